// Builders of outbound messages for the delivery tests.
import type { ChallengeCodeMessage, NotificationMessage } from "@mfa-chain/application";

export const NOW = Date.UTC(2026, 0, 31, 14, 0, 0);

export function aCodeMessage(overrides: Partial<ChallengeCodeMessage> = {}): ChallengeCodeMessage {
  return {
    kind: "challenge_code",
    channel: "email",
    tenantId: "tenant-a",
    to: "alice@example.test",
    code: "493817",
    expiresAt: NOW + 5 * 60_000,
    purpose: "verify",
    ...overrides,
  };
}

export function aNotification(overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    kind: "notification",
    channel: "email",
    tenantId: "tenant-a",
    to: "alice@example.test",
    event: "factor_added",
    at: NOW,
    factorLabel: "Work phone",
    ...overrides,
  };
}

export const fixedClock = (now = NOW) => ({ now: () => now });
