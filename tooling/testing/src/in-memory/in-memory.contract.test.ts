// The in-memory fakes honour the same storage contracts as PostgreSQL (see packages/infra-postgres/test).
import { describeStorageContracts } from "../contracts/index.js";
import { InMemoryStore } from "./in-memory-store.js";
import { InMemoryUnitOfWork } from "./in-memory-unit-of-work.js";

describeStorageContracts("in memory", () => {
  const store = new InMemoryStore();
  return { uow: new InMemoryUnitOfWork(store), auditReader: store.auditReader };
});
