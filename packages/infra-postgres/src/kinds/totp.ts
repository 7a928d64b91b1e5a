// TOTP's storage: its row in otp_secrets (otp.ts).
import type { StorageKind } from "./kind.js";
import { insertOtpSecret, otpMaterial, totpMaterialSchema } from "./otp.js";

export const totpStorage: StorageKind<"totp"> = {
  type: "totp",
  material: otpMaterial,
  materialSchema: totpMaterialSchema,
  insertMaterial: insertOtpSecret,
};
