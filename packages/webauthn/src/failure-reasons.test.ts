import { describe, expect, it } from "vitest";
import { reasonForLibraryError } from "./failure-reasons.js";

describe("reasonForLibraryError", () => {
  it("anything the table does not know is malformed, never an exception", () => {
    expect(reasonForLibraryError(new Error("something new in a later release"))).toEqual({
      reason: "malformed",
      detail: "something new in a later release",
    });
    expect(reasonForLibraryError("a thrown string")).toMatchObject({ reason: "malformed" });
    expect(reasonForLibraryError(undefined)).toMatchObject({ reason: "malformed" });
  });

  it("a TypeError is malformed even if its message mentions attestation", () => {
    expect(reasonForLibraryError(new TypeError("decodedAttestationObject.get is not a function"))).toMatchObject({ reason: "malformed" });
  });

  it("marked library errors map by code or name", () => {
    const pqc = Object.assign(new Error("This runtime's WebCrypto.subtle does not support use of ML-DSA-44"), {
      code: "RUNTIME_NO_PQC_SUPPORT",
    });
    expect(reasonForLibraryError(pqc)).toMatchObject({ reason: "algorithm_not_allowed" });
    const rp = Object.assign(new Error("Unexpected RP ID hash"), { name: "UnexpectedRPIDHash" });
    expect(reasonForLibraryError(rp)).toMatchObject({ reason: "wrong_rp_id" });
  });

  it("attestation statement errors of every format are attestation_refused", () => {
    for (const message of [
      "No attestation signature provided in attestation statement (Packed)",
      'Certificate OU was not "Authenticator Attestation" (Packed|Full)',
      "PubArea unique is not same as credentialPublicKey (TPM|RSA)",
      "credCert nonce was not expected value (Apple)",
      "Could not verify device integrity (SafetyNet)",
      "Unsupported Attestation Format: weird",
    ]) {
      expect(reasonForLibraryError(new Error(message))).toMatchObject({ reason: "attestation_refused" });
    }
  });
});
