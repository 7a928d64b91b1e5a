-- Shards the mfa-chain schema by tenant with Citus. Run it with psql, as the schema owner, on the Citus coordinator,
-- after `mfa migrate` has brought the schema to the latest migration, and again after every later `mfa migrate`:
-- tables already known to Citus are skipped, so a rerun distributes only the tables new migrations created.
--
--   psql "$COORDINATOR_URL" -v ON_ERROR_STOP=1 -f packages/infra-postgres/sql/distribute.sql
--
-- Checked against the catalog test (packages/infra-postgres/test/citus-readiness.pg.test.ts), which runs this file on
-- plain PostgreSQL with stand-ins for Citus's two functions and pg_dist_partition, and fails when a table of the
-- migrated schema is missing here, is distributed the wrong way, or comes before a table it references.
-- NOT run against Citus in this repository (there is no Citus package for these machines): try it on a staging
-- cluster first. docs/deploy.md, "The path to Citus", says what changes for the operator.
--
-- Order matters: a table's foreign keys must point at tables Citus already knows, so the reference tables come first
-- (tenants before api_keys, which references it), then `users`, which starts the colocation group every other
-- tenant table joins: the rows of one tenant, in every table, live on one node, so each transaction of a verify stays
-- on one node. With data in a table, its call copies the rows into the shards while writes to it wait: distribute
-- before the first start, or in a maintenance window.

-- Reference tables: replicated to every node.
--   tenants   one row per tenant; referenced by api_keys.
--   api_keys  looked up by key hash before the tenant is known (the key is what names the tenant).
select create_reference_table('tenants')
  where not exists (select from pg_dist_partition where logicalrelid = 'tenants'::regclass);
select create_reference_table('api_keys')
  where not exists (select from pg_dist_partition where logicalrelid = 'api_keys'::regclass);

-- audit_events and audit_seals carry two triggers each that look at their own row only (append-only: no UPDATE, no
-- DELETE, no TRUNCATE). Citus distributes a table that has triggers only with this setting on (citusdata/citus#906).
set citus.enable_unsafe_triggers = on;

-- Distributed tables, sharded by tenant_id, all in the colocation group `users` starts.
select create_distributed_table('users', 'tenant_id', colocate_with => 'none')
  where not exists (select from pg_dist_partition where logicalrelid = 'users'::regclass);
select create_distributed_table('policies', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'policies'::regclass);
select create_distributed_table('credentials', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'credentials'::regclass);
select create_distributed_table('webauthn_credentials', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'webauthn_credentials'::regclass);
select create_distributed_table('webauthn_relying_parties', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'webauthn_relying_parties'::regclass);
select create_distributed_table('otp_secrets', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'otp_secrets'::regclass);
select create_distributed_table('backup_codes', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'backup_codes'::regclass);
select create_distributed_table('delivery_destinations', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'delivery_destinations'::regclass);
select create_distributed_table('attempts', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'attempts'::regclass);
select create_distributed_table('lockouts', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'lockouts'::regclass);
select create_distributed_table('one_time_challenges', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'one_time_challenges'::regclass);
select create_distributed_table('challenge_sends', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'challenge_sends'::regclass);
select create_distributed_table('audit_events', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'audit_events'::regclass);
select create_distributed_table('audit_seals', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'audit_seals'::regclass);
select create_distributed_table('audit_seal_cursors', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'audit_seal_cursors'::regclass);
select create_distributed_table('idempotency_keys', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'idempotency_keys'::regclass);
select create_distributed_table('vault_entries', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'vault_entries'::regclass);
select create_distributed_table('vault_grants', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'vault_grants'::regclass);
select create_distributed_table('vault_group_members', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'vault_group_members'::regclass);
select create_distributed_table('enforcement_rules', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'enforcement_rules'::regclass);
select create_distributed_table('user_enforcement', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'user_enforcement'::regclass);
select create_distributed_table('grace_deadlines', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'grace_deadlines'::regclass);
select create_distributed_table('seen_locations', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'seen_locations'::regclass);
select create_distributed_table('remembered_devices', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'remembered_devices'::regclass);
-- Notifications and recovery (migration 0010). The outbox's drain reads across tenants: on Citus it runs per shard.
select create_distributed_table('tenant_settings', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'tenant_settings'::regclass);
select create_distributed_table('notification_outbox', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'notification_outbox'::regclass);
select create_distributed_table('recoveries', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'recoveries'::regclass);
-- Console operators (migration 0011): operators reference their user, sessions their operator.
select create_distributed_table('operators', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'operators'::regclass);
select create_distributed_table('operator_sessions', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'operator_sessions'::regclass);

select create_distributed_table('push_devices', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'push_devices'::regclass);
select create_distributed_table('push_challenges', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'push_challenges'::regclass);
select create_distributed_table('push_poll_nonces', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'push_poll_nonces'::regclass);
select create_distributed_table('push_deny_clears', 'tenant_id', colocate_with => 'users')
  where not exists (select from pg_dist_partition where logicalrelid = 'push_deny_clears'::regclass);

reset citus.enable_unsafe_triggers;
