// The geoip test kit, for tests of other packages (the API's end-to-end tests): a writer of small .mmdb databases.
export * from "./mmdb-writer.js";
