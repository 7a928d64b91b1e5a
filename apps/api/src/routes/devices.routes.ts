// Remembered devices (issue 14): a device token after a completed attempt, and a user's devices listed and revoked.
import { Router } from "express";
import type { DeviceView, Services } from "@mfa-chain/application";
import { actorOf } from "../http/auth.js";
import { DeviceParams, RememberDeviceBody } from "../http/enforcement.schemas.js";
import { sendAppError } from "../http/problem.js";
import { UserParams } from "../http/schemas.js";
import { noBody, noQuery, parseOr400 } from "../http/validate.js";

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
export const presentDevice = (d: DeviceView) => ({
  ...d,
  createdAt: iso(d.createdAt),
  lastUsedAt: isoOrNull(d.lastUsedAt),
  expiresAt: iso(d.expiresAt),
  revokedAt: isoOrNull(d.revokedAt),
});

export function deviceRoutes(s: Services): Router {
  const r = Router();

  r.post("/devices", noQuery, async (req, res) => {
    const body = parseOr400(RememberDeviceBody, req.body, res, "body");
    if (!body) return;
    const issued = await s.rememberDevice.execute({
      actor: actorOf(res),
      attemptId: body.attemptId,
      ...(body.label === undefined ? {} : { label: body.label }),
      ...(body.ip === undefined ? {} : { ip: body.ip }),
    });
    if (!issued.ok) return sendAppError(res, issued.error);
    res.setHeader("Cache-Control", "no-store");
    res.status(201).json({ device: presentDevice(issued.value.device), deviceToken: issued.value.deviceToken });
  });

  r.get("/users/:userId/devices", noQuery, noBody, async (req, res) => {
    const params = parseOr400(UserParams, req.params, res, "path");
    if (!params) return;
    const devices = await s.listDevices.execute({ actor: actorOf(res), userId: params.userId });
    res.json({ devices: devices.map(presentDevice) });
  });

  r.delete("/users/:userId/devices", noQuery, noBody, async (req, res) => {
    const params = parseOr400(UserParams, req.params, res, "path");
    if (!params) return;
    const revoked = await s.revokeDevices.execute({ actor: actorOf(res), userId: params.userId });
    if (!revoked.ok) return sendAppError(res, revoked.error);
    res.json(revoked.value);
  });

  r.delete("/users/:userId/devices/:deviceId", noQuery, noBody, async (req, res) => {
    const params = parseOr400(DeviceParams, req.params, res, "path");
    if (!params) return;
    const revoked = await s.revokeDevices.execute({ actor: actorOf(res), userId: params.userId, deviceId: params.deviceId });
    if (!revoked.ok) return sendAppError(res, revoked.error);
    res.status(204).end();
  });

  return r;
}
