// The delivery test kit, for tests of other packages that deliver for real (the API's end-to-end tests): an SMTP
// server on loopback with a certificate made at run time, an HTTP receiver on loopback, test messages.
export * from "./smtp-test-server.js";
export * from "./tls-certificates.js";
export * from "./loopback-http.js";
