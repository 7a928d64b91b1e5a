// @mfa-chain/testing — the test kit for the adapters and apps: the application's (and so the domain's) test helpers,
// re-exported from @mfa-chain/application/testing, and, under ./contracts, the storage contract suites every storage
// adapter runs. Domain and application tests import their own packages' testing modules, so nothing cycles.
export * from "@mfa-chain/application/testing";
