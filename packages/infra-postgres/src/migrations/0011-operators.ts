// Console operators and their sessions (issue 15). Operators are users of the console's own tenant: an operator row
// references its user (on delete cascade), and each session its operator. A session is keyed by the SHA-256 of its
// token (the token is only in the operator's cookie). Audit events may now name an operator as their actor.
// Additive only: replicas on the old code keep running between the migration job and the roll-out (they never write
// an operator actor).
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  `alter table audit_events drop constraint audit_events_actor_kind_check`,
  `alter table audit_events add constraint audit_events_actor_kind_check check (actor_kind in ('api_key', 'operator', 'system'))`,
  `create table operators (
    tenant_id text not null,
    id text not null,
    username text not null constraint operators_username_check check (username ~ '^[a-z0-9][a-z0-9._@-]{0,99}$'),
    password_hash text not null constraint operators_password_hash_check check (password_hash like '$argon2id$%'),
    role text not null constraint operators_role_check check (role in ('viewer', 'admin')),
    scope text,
    created_at timestamptz not null,
    disabled_at timestamptz,
    constraint operators_pkey primary key (tenant_id, id),
    constraint operators_username_key unique (tenant_id, username),
    constraint operators_user_fkey foreign key (tenant_id, id) references users (tenant_id, user_id) on delete cascade
  )`,
  `create table operator_sessions (
    tenant_id text not null,
    id text not null constraint operator_sessions_id_check check (id ~ '^[0-9a-f]{64}$'),
    operator_id text not null,
    stage text not null constraint operator_sessions_stage_check check (stage in ('password_passed', 'active')),
    attempt_id text not null,
    created_at timestamptz not null,
    last_seen_at timestamptz not null,
    authenticated_at timestamptz,
    ended_at timestamptz,
    constraint operator_sessions_pkey primary key (tenant_id, id),
    constraint operator_sessions_operator_fkey foreign key (tenant_id, operator_id) references operators (tenant_id, id) on delete cascade,
    constraint operator_sessions_active_check check ((stage = 'active') = (authenticated_at is not null))
  )`,
  `create index operator_sessions_operator_idx on operator_sessions (tenant_id, operator_id)`,
];

export const operators: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
