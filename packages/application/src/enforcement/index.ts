// Enforcement and remembered devices (issue 14): the use cases, wired to their ports.
import type { Clock } from "../ports/clock.port.js";
import type { LocationSource } from "../ports/enforcement.port.js";
import type { IdGenerator } from "../ports/id-generator.port.js";
import type { KeyedHasher } from "../ports/keyed-hasher.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import { ListDevices, RememberDevice, RevokeDevices } from "./devices.use-case.js";
import { Decide, GetEnforcementRules, GetUserEnforcement, SetEnforcementRules, SetUserEnforcement } from "./enforcement.use-case.js";

export * from "./devices.use-case.js";
export * from "./enforcement.use-case.js";

export function createEnforcementServices(deps: {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly hasher: KeyedHasher;
  readonly locations: LocationSource;
}) {
  return {
    setEnforcementRules: new SetEnforcementRules(deps),
    getEnforcementRules: new GetEnforcementRules(deps),
    setUserEnforcement: new SetUserEnforcement(deps),
    getUserEnforcement: new GetUserEnforcement(deps),
    decide: new Decide(deps),
    rememberDevice: new RememberDevice(deps),
    listDevices: new ListDevices(deps),
    revokeDevices: new RevokeDevices(deps),
  };
}
