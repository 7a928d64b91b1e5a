// The device routes of the API (docs/push-protocol.md §5). Every id in a path is a push id (no "/"), encoded anyway.
import type { DeviceEnrollment } from "./device-key.js";

type DeviceAddress = Pick<DeviceEnrollment, "apiBaseUrl" | "tenantId" | "deviceId">;

const devicePath = (d: DeviceAddress): string =>
  `${d.apiBaseUrl}/v1/push/tenants/${encodeURIComponent(d.tenantId)}/devices/${encodeURIComponent(d.deviceId)}`;

export const PUSH_ROUTES = {
  /** POST: the signed enrollment proof. */
  enrollment: (d: DeviceAddress): string => `${devicePath(d)}/enrollment`,
  /** GET, signed poll headers: the device's pending challenges. */
  challenges: (d: DeviceAddress): string => `${devicePath(d)}/challenges`,
  /** POST: the signed answer to one challenge. */
  answer: (d: DeviceAddress, challengeId: string): string => `${devicePath(d)}/challenges/${encodeURIComponent(challengeId)}/answer`,
} as const;

/** The signed poll travels in these request headers (a GET has no body). */
export const POLL_HEADERS = {
  timestamp: "mfa-push-timestamp",
  nonce: "mfa-push-nonce",
  signature: "mfa-push-signature",
} as const;
