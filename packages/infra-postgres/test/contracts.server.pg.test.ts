// The storage contracts on a real PostgreSQL server (TEST_DATABASE_URL, testcontainers or a local cluster).
import { describeStorageContracts } from "@mfa-chain/testing/contracts";
import { PostgresAuditReader } from "../src/repositories/audit.repository.js";
import { PostgresUnitOfWork } from "../src/unit-of-work.js";
import { useServerDatabase } from "./support/databases.js";

const database = useServerDatabase("contracts");

describeStorageContracts("PostgreSQL server", () => ({
  uow: new PostgresUnitOfWork(database.current.db),
  auditReader: new PostgresAuditReader(database.current.db),
}));
