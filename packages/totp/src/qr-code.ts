// Enrollment QR codes: the otpauth:// URI as a PNG data URI (for <img src>) and as an SVG document.
import QRCode from "qrcode";
import type { QrImages } from "./otp.types.js";

// Medium error correction and the standard 4-module quiet zone: what phone cameras read reliably from a screen.
const COMMON = { errorCorrectionLevel: "M", margin: 4 } as const;

/** Renders `uri` as a QR code: `png` is a `data:image/png;base64,…` URI, `svg` a standalone SVG document. */
export async function qrCode(uri: string): Promise<QrImages> {
  if (typeof uri !== "string" || uri.length === 0) throw new TypeError("qrCode: expected a non-empty string");
  const [png, svg] = await Promise.all([
    QRCode.toDataURL(uri, { ...COMMON, type: "image/png", width: 320 }),
    QRCode.toString(uri, { ...COMMON, type: "svg" }),
  ]);
  return { png, svg };
}
