// Where sign-ins come from (the new-location rule, docs/enforcement.md): the MaxMind databases named by GEOIP_DATABASE
// (and GEOIP_ASN_DATABASE), opened and checked at start; a wrong file fails the start, naming the variable. Without
// them the services use UNKNOWN_LOCATIONS: every address is unknown and location never prompts.
import { resolve } from "node:path";
import type { LocationSource } from "@mfa-chain/application";
import { openMaxMindLocations } from "@mfa-chain/geoip";
import type { Logger } from "pino";
import type { Config } from "../config.js";

export async function loadLocations(
  config: Pick<Config, "GEOIP_DATABASE" | "GEOIP_ASN_DATABASE">,
  baseDir: string,
  logger: Logger,
): Promise<LocationSource | undefined> {
  if (config.GEOIP_DATABASE === undefined) {
    logger.info({ locations: "none: every address is unknown (GEOIP_DATABASE not set)" }, "locations");
    return undefined;
  }
  const { source, description } = await openMaxMindLocations({
    database: resolve(baseDir, config.GEOIP_DATABASE),
    asnDatabase: config.GEOIP_ASN_DATABASE === undefined ? undefined : resolve(baseDir, config.GEOIP_ASN_DATABASE),
  });
  logger.info({ locations: description }, "locations");
  return source;
}
