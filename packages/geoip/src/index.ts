// @mfa-chain/geoip — where an IP address is: the LocationSource port over MaxMind .mmdb databases (npm `maxmind`).
export * from "./maxmind-location-source.js";
