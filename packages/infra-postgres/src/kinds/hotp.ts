// HOTP's storage: its row in otp_secrets (otp.ts).
import type { StorageKind } from "./kind.js";
import { hotpMaterialSchema, insertOtpSecret, otpMaterial } from "./otp.js";

export const hotpStorage: StorageKind<"hotp"> = {
  type: "hotp",
  material: otpMaterial,
  materialSchema: hotpMaterialSchema,
  insertMaterial: insertOtpSecret,
};
