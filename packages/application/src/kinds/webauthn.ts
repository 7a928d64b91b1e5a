// WebAuthn (SPEC §3, S21–S24): a security key or passkey. Enrollment answers creation options (the challenge phase's
// "answer" way) and stays pending until the browser's registration response is confirmed; only then is the credential's
// material known (its public key), written by the confirmation. A step answers request options for the attempt's
// step; the assertion is the submission. Every challenge is 32 CSPRNG bytes, stored with the relying party it was
// issued for, bound to tenant, user, credential, attempt and step, namespaced by ceremony (S30), at most 5 minutes
// old, consumed on success and on failure (S21). The ceremony (signature, origin, RP id, flags, algorithm) is the
// WebAuthnCeremony port's; the counter's compare-and-set (S23) is the success claim's.
import type { WebAuthnParams } from "@mfa-chain/domain";
import type { StepClaim, StoredChallenge, StoredCredentialOf } from "../ports/repositories.port.js";
import type {
  WebAuthnAuthenticationResult,
  WebAuthnCeremony,
  WebAuthnRegistrationResult,
  WebAuthnRelyingParty,
  WebAuthnTransport,
} from "../ports/webauthn.port.js";
import type { ApplicationKind, CodeCheck, KindDeps } from "./kind.js";
import type { WebAuthnMaterial } from "./material.js";

/** Shown at enrollment: nothing of its own; the challenge phase adds `publicKey` (the creation options). */
export type WebAuthnShown = Record<never, never>;
/** What a factor view adds. */
export interface WebAuthnView {
  readonly aaguid: string | null;
  readonly backupEligible: boolean | null;
  readonly backedUp: boolean | null;
}

export const WEBAUTHN_PURPOSES = { verify: "webauthn_get", enroll: "webauthn_create" } as const;
export const WEBAUTHN_CHALLENGE_BYTES = 32;
export const WEBAUTHN_CHALLENGE_TTL_SECONDS = 300;

/** What the challenge store keeps for a WebAuthn challenge: the challenge (not a secret: the client is given it) and the RP. */
interface StoredWebAuthnChallenge {
  readonly c: string;
  readonly rp: WebAuthnRelyingParty;
}

type Prepared =
  | { readonly ceremony: "create"; readonly result: WebAuthnRegistrationResult }
  | { readonly ceremony: "get"; readonly result: WebAuthnAuthenticationResult }
  | { readonly ceremony: "none" };

// ------------------------------------------------------------------------------------------------------ base64url
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
export function toBase64Url(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let j = 0; j < chars; j++) out += ALPHABET[(n >> (18 - 6 * j)) & 63];
  }
  return out;
}
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let k = 0;
  for (const ch of text) {
    value = (value << 6) | ALPHABET.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[k++] = (value >> bits) & 0xff;
    }
  }
  return out;
}
const hexBytes = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));

function parseStored(ch: StoredChallenge): StoredWebAuthnChallenge | null {
  try {
    const v = JSON.parse(ch.codeHash) as StoredWebAuthnChallenge;
    return typeof v.c === "string" && typeof v.rp?.id === "string" && Array.isArray(v.rp.origins) ? v : null;
  } catch {
    return null;
  }
}

function parseResponse(code: string): unknown {
  try {
    return JSON.parse(code) as unknown;
  } catch {
    return null;
  }
}

const ceremonyOf = (deps: KindDeps): WebAuthnCeremony => {
  if (!deps.webauthn) throw new TypeError("webauthn factors need a WebAuthnCeremony (KindDeps.webauthn)");
  return deps.webauthn;
};

export function webauthnKind(deps: KindDeps): ApplicationKind<"webauthn", WebAuthnMaterial, WebAuthnShown, WebAuthnView> {
  /** The user handle (docs/webauthn.md): a keyed hash of tenant and user, 32 bytes; never the tenant's user id. */
  const userHandle = (tenantId: string, userId: string) =>
    hexBytes(deps.hasher.hash(userId, ["webauthn-user-handle", tenantId]).slice(0, 64));

  /** The challenge this check may use: this kind's, of this purpose, bound to this credential, tenant and user. */
  const boundChallenge = (credential: StoredCredentialOf<"webauthn">, ch: StoredChallenge | null | undefined, purpose: string) =>
    ch &&
    ch.purpose === purpose &&
    ch.credentialId === credential.id &&
    ch.tenantId === credential.tenantId &&
    ch.userId === credential.userId
      ? ch
      : null;

  const purposeOf = (credential: StoredCredentialOf<"webauthn">) =>
    credential.status === "pending" ? WEBAUTHN_PURPOSES.enroll : WEBAUTHN_PURPOSES.verify;

  return {
    type: "webauthn",
    enrollsAs: "pending",
    // Nothing is known before the browser answers: the registration's key comes with the confirmation.
    provision: () => Promise.resolve({ material: { registered: null }, shown: {} }),
    view: (credential) => {
      const r = credential.material.registered;
      return { aaguid: r?.aaguid ?? null, backupEligible: r?.backupEligible ?? null, backedUp: r?.backedUp ?? null };
    },
    usable: (credential) => credential.material.registered !== null,
    async prepare(credential, code, input): Promise<Prepared> {
      const ceremony = ceremonyOf(deps);
      const ch = boundChallenge(credential, input.challenge, purposeOf(credential));
      const stored = ch && ch.consumedAt === null && ch.expiresAt > input.now ? parseStored(ch) : null;
      const challenge = stored ? fromBase64Url(stored.c) : null;
      if (!stored || !challenge) return { ceremony: "none" };
      const response = parseResponse(code);
      const params = credential.params as WebAuthnParams;
      if (credential.status === "pending") {
        const result = await ceremony.verifyRegistration({ response, expectedChallenge: challenge, rp: stored.rp, options: params });
        return { ceremony: "create", result };
      }
      const registered = credential.material.registered;
      if (!registered) return { ceremony: "none" };
      // The step's policy as it stands now (S24: the server's policy, checked at every assertion): its user
      // verification and its algorithms, when the kind matches (satisfies() checked it).
      const step = input.params?.type === "webauthn" ? input.params : params;
      if (!step.algorithms.includes(registered.algorithm))
        return {
          ceremony: "get",
          result: { ok: false, reason: "algorithm_not_allowed", detail: `${registered.algorithm} is not allowed` },
        };
      const publicKey = fromBase64Url(registered.publicKey) ?? new Uint8Array();
      const result = await ceremony.verifyAuthentication({
        response,
        expectedChallenge: challenge,
        rp: stored.rp,
        credential: { id: registered.credentialId, publicKey, signCount: registered.signCount },
        userHandle: userHandle(credential.tenantId, credential.userId),
        userVerification: step.userVerification,
      });
      return { ceremony: "get", result };
    },
    check(credential, _code, input): CodeCheck {
      const ch = boundChallenge(credential, input.challenge, purposeOf(credential));
      // No challenge for this step, or used already (a replay): nothing to spend.
      if (!ch || ch.consumedAt !== null) return { ok: false, reason: "invalid_code", cause: ch ? "challenge_used" : "no_challenge" };
      // Every refusal from here on is final for the challenge (S21).
      const spend: StepClaim = { kind: "challenge_spent", credentialId: credential.id, purpose: ch.purpose, challengeId: ch.id };
      const prepared = (input.prepared ?? { ceremony: "none" }) as Prepared;
      if (ch.expiresAt <= input.now || prepared.ceremony === "none")
        return { ok: false, reason: "invalid_code", claim: spend, cause: ch.expiresAt <= input.now ? "challenge_expired" : "no_challenge" };
      if (prepared.ceremony === "create") {
        const r = prepared.result;
        if (!r.ok) return { ok: false, reason: "invalid_code", claim: spend, cause: r.reason };
        const c = r.credential;
        const material: WebAuthnMaterial = {
          registered: {
            credentialId: c.id,
            publicKey: toBase64Url(c.publicKey),
            algorithm: c.algorithm,
            signCount: c.signCount,
            transports: [...c.transports],
            aaguid: c.aaguid,
            attestationFormat: c.attestationFormat,
            backupEligible: c.backupEligible,
            backedUp: c.backedUp,
          },
        };
        const claim: StepClaim = {
          kind: "challenge",
          credentialId: credential.id,
          purpose: ch.purpose,
          challengeId: ch.id,
          codeHash: ch.codeHash,
        };
        return { ok: true, claim, material };
      }
      const r = prepared.result;
      const registered = credential.material.registered;
      if (!r.ok || !registered) return { ok: false, reason: "invalid_code", claim: spend, cause: r.ok ? "not_registered" : r.reason };
      // A counter that did not move although one of the two is non-zero: a clone or a replay (S23).
      if (r.counterRegressed) return { ok: false, reason: "code_replayed", claim: spend, cause: "counter_regressed" };
      return {
        ok: true,
        claim: {
          kind: "webauthn_assertion",
          credentialId: credential.id,
          purpose: ch.purpose,
          challengeId: ch.id,
          codeHash: ch.codeHash,
          expectedSignCount: registered.signCount,
          newSignCount: r.newSignCount,
        },
      };
    },
    challenge: {
      delivery: "answer",
      purposes: WEBAUTHN_PURPOSES,
      async issue(credential, input) {
        const ceremony = ceremonyOf(deps);
        const rp = await input.repos.relyingParties.find(input.tenantId);
        if (!rp)
          return {
            ok: false,
            error: {
              code: "relying_party_not_configured",
              message: "this tenant has no WebAuthn relying party yet: an admin sets it with PUT /v1/admin/webauthn",
            },
          };
        const relyingParty: WebAuthnRelyingParty = { id: rp.id, name: rp.name, origins: rp.origins };
        const challenge = new Uint8Array(WEBAUTHN_CHALLENGE_BYTES);
        for (let i = 0; i < challenge.length; i++) challenge[i] = deps.random.nextInt(256);
        const params = credential.params as WebAuthnParams;
        const timeoutMs = WEBAUTHN_CHALLENGE_TTL_SECONDS * 1000;
        let publicKey: unknown;
        if (input.purpose === "enroll") {
          // The user's registered authenticators are excluded: one does not register twice.
          const others = (await input.repos.credentials.listByUser(input.tenantId, input.userId)).flatMap((c) => {
            if (c.status !== "active" || c.params.type !== "webauthn") return [];
            const r = (c as StoredCredentialOf<"webauthn">).material.registered;
            return r ? [{ id: r.credentialId, transports: r.transports as WebAuthnTransport[] }] : [];
          });
          publicKey = await ceremony.registrationOptions({
            rp: relyingParty,
            user: { handle: userHandle(input.tenantId, input.userId), name: input.userId, displayName: credential.label },
            challenge,
            excludeCredentials: others,
            options: params,
            timeoutMs,
          });
        } else {
          const registered = credential.material.registered;
          if (!registered) throw new TypeError("an active webauthn credential has a registered key");
          const step = input.params?.type === "webauthn" ? input.params : params;
          publicKey = await ceremony.authenticationOptions({
            rp: relyingParty,
            challenge,
            allowCredentials: [{ id: registered.credentialId, transports: registered.transports as WebAuthnTransport[] }],
            userVerification: step.userVerification,
            timeoutMs,
          });
        }
        const stored: StoredWebAuthnChallenge = { c: toBase64Url(challenge), rp: relyingParty };
        challenge.fill(0);
        return {
          ok: true,
          stored: { codeHash: JSON.stringify(stored), expiresAt: input.now + WEBAUTHN_CHALLENGE_TTL_SECONDS * 1000 },
          answer: { publicKey },
        };
      },
    },
  };
}

/** The credential after a webauthn_assertion claim, in memory: its counter by compare-and-set; null when it moved. */
export function claimSignCount(m: WebAuthnMaterial, expected: number, next: number): WebAuthnMaterial | null {
  if (!m.registered || m.registered.signCount !== expected) return null;
  return { registered: { ...m.registered, signCount: next } };
}
