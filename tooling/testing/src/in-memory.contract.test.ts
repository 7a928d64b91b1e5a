// The in-memory fakes honour the same storage contracts as PostgreSQL (see packages/infra-postgres/test).
import { describeStorageContracts } from "./contracts/index.js";
import { InMemoryStore } from "@mfa-chain/application/testing";
import { InMemoryUnitOfWork } from "@mfa-chain/application/testing";

describeStorageContracts("in memory", () => {
  const store = new InMemoryStore();
  return { uow: new InMemoryUnitOfWork(store), auditReader: store.auditReader };
});
