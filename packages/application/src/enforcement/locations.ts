// How long a location is remembered for a user: one not seen for 90 days is new again, and is then forgotten.
import { DAY_MS, LOCATION_MEMORY_DAYS } from "@mfa-chain/domain";

export const LOCATION_FORGET_MS = LOCATION_MEMORY_DAYS * DAY_MS;
