// The storage contracts on embedded PGlite (the default database of a fresh clone).
import { describeStorageContracts } from "@mfa-chain/testing/contracts";
import { PostgresAuditReader } from "../src/repositories/audit.repository.js";
import { PostgresUnitOfWork } from "../src/unit-of-work.js";
import { usePGlite } from "./support/databases.js";

const database = usePGlite();

describeStorageContracts("PGlite", () => ({
  uow: new PostgresUnitOfWork(database.current.db),
  auditReader: new PostgresAuditReader(database.current.db),
}));
