// A software authenticator for tests: real keys from node:crypto (P-256, Ed25519, RSA-2048), real authenticator
// data, clientDataJSON, "none" or "packed" self attestation, and signed assertions. Every field a test wants to break
// (origin, RP id, flags, challenge, type, counter, COSE alg) can be overridden, so each refusal comes from a real
// response built the way a browser and an authenticator build it.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import type { WebAuthnAlgorithm } from "@mfa-chain/application";
import { WEBAUTHN_COSE_ALGORITHM } from "@mfa-chain/application";
import { isoBase64URL, isoCBOR } from "@simplewebauthn/server/helpers";

export const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

/** A made-up model id: registration reports it back as a UUID string. */
export const TEST_AAGUID = Uint8Array.from(Buffer.from("6d66612d636861696e2d746573742d31", "hex"));
export const TEST_AAGUID_STRING = "6d66612d-6368-6169-6e2d-746573742d31";

const b64url = (bytes: Uint8Array | string): string =>
  isoBase64URL.fromBuffer(typeof bytes === "string" ? new TextEncoder().encode(bytes) : new Uint8Array(bytes));

const sha256 = (data: Uint8Array | string): Uint8Array => new Uint8Array(createHash("sha256").update(data).digest());

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

function uint16(value: number): Uint8Array {
  const out = new Uint8Array(2);
  new DataView(out.buffer).setUint16(0, value, false);
  return out;
}

const fromJwk = (value: string | undefined): Uint8Array => new Uint8Array(Buffer.from(value ?? "", "base64url"));

interface KeyMaterial {
  readonly privateKey: KeyObject;
  /** The COSE_Key map (RFC 9052 §7, RFC 9053), before encoding. */
  readonly coseMap: Map<number, number | Uint8Array>;
  /** node:crypto's digest argument: sha256 for ES256 and RS256, none (null) for EdDSA. */
  readonly digest: "sha256" | null;
}

function makeKey(algorithm: WebAuthnAlgorithm): KeyMaterial {
  const alg = WEBAUTHN_COSE_ALGORITHM[algorithm];
  switch (algorithm) {
    case "ES256": {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const jwk = publicKey.export({ format: "jwk" });
      // kty EC2 (2), alg, crv P-256 (1), x, y. crypto.sign gives DER (ASN.1) ECDSA signatures, as WebAuthn wants.
      return {
        privateKey,
        digest: "sha256",
        coseMap: new Map<number, number | Uint8Array>([
          [1, 2],
          [3, alg],
          [-1, 1],
          [-2, fromJwk(jwk.x)],
          [-3, fromJwk(jwk.y)],
        ]),
      };
    }
    case "EdDSA": {
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      const jwk = publicKey.export({ format: "jwk" });
      // kty OKP (1), alg, crv Ed25519 (6), x.
      return {
        privateKey,
        digest: null,
        coseMap: new Map<number, number | Uint8Array>([
          [1, 1],
          [3, alg],
          [-1, 6],
          [-2, fromJwk(jwk.x)],
        ]),
      };
    }
    case "RS256": {
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const jwk = publicKey.export({ format: "jwk" });
      // kty RSA (3), alg, n, e. crypto.sign with an RSA key is RSASSA-PKCS1-v1_5 by default.
      return {
        privateKey,
        digest: "sha256",
        coseMap: new Map<number, number | Uint8Array>([
          [1, 3],
          [3, alg],
          [-1, fromJwk(jwk.n)],
          [-2, fromJwk(jwk.e)],
        ]),
      };
    }
  }
}

export interface CeremonyOverrides {
  /** clientData.origin; default: the authenticator's origin. */
  readonly origin?: string;
  /** The RP id whose SHA-256 goes into the authenticator data; default: the authenticator's RP id. */
  readonly rpId?: string;
  /** The flags byte, without AT (added for registration); default UP | UV. */
  readonly flags?: number;
  /** clientData.type; default webauthn.create / webauthn.get. */
  readonly type?: string;
  /** clientData extras, e.g. crossOrigin and topOrigin. */
  readonly clientDataExtra?: Record<string, unknown>;
  /** The counter written into the authenticator data; default: the authenticator's next counter. */
  readonly signCount?: number;
}

export interface RegistrationOverrides extends CeremonyOverrides {
  /** The alg label written into the COSE key, whatever the key is. */
  readonly coseAlg?: number;
  /** "none" (default) or "packed" self attestation (signed with the credential's own key). */
  readonly attestation?: "none" | "packed";
  readonly transports?: readonly string[];
}

export interface AssertionOverrides extends CeremonyOverrides {
  readonly userHandle?: Uint8Array;
}

export class SoftwareAuthenticator {
  readonly credentialId = new Uint8Array(randomBytes(32));
  readonly key: KeyMaterial;
  /** The counter of the last signature; counters start at 0 and, by default, count (pass 0 to act as a synced passkey). */
  signCount = 0;

  constructor(
    readonly algorithm: WebAuthnAlgorithm,
    readonly rpId: string,
    readonly origin: string,
    readonly counts: boolean = true,
  ) {
    this.key = makeKey(algorithm);
  }

  get credentialIdB64(): string {
    return b64url(this.credentialId);
  }

  get cosePublicKey(): Uint8Array {
    return new Uint8Array(isoCBOR.encode(this.key.coseMap));
  }

  private sign(data: Uint8Array): Uint8Array {
    return new Uint8Array(sign(this.key.digest, data, this.key.privateKey));
  }

  private clientDataJSON(type: string, challenge: string, o: CeremonyOverrides): string {
    return JSON.stringify({ type: o.type ?? type, challenge, origin: o.origin ?? this.origin, crossOrigin: false, ...o.clientDataExtra });
  }

  private nextCount(o: CeremonyOverrides): number {
    if (o.signCount !== undefined) return o.signCount;
    if (this.counts) this.signCount += 1;
    return this.signCount;
  }

  /** A RegistrationResponseJSON for `challenge` (base64url, as in the creation options). */
  register(challenge: string, o: RegistrationOverrides = {}) {
    const coseMap = new Map(this.key.coseMap);
    if (o.coseAlg !== undefined) coseMap.set(3, o.coseAlg);
    const attested = concat(TEST_AAGUID, uint16(this.credentialId.byteLength), this.credentialId, new Uint8Array(isoCBOR.encode(coseMap)));
    const flags = (o.flags ?? FLAG.UP | FLAG.UV) | FLAG.AT;
    const authData = concat(sha256(o.rpId ?? this.rpId), Uint8Array.of(flags), uint32(this.nextCount(o)), attested);
    const clientDataJSON = this.clientDataJSON("webauthn.create", challenge, o);
    const attStmt =
      o.attestation === "packed"
        ? new Map<string, number | Uint8Array>([
            ["alg", WEBAUTHN_COSE_ALGORITHM[this.algorithm]],
            ["sig", this.sign(concat(authData, sha256(clientDataJSON)))],
          ])
        : new Map<string, number | Uint8Array>();
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, number | Uint8Array>>([
        ["fmt", o.attestation ?? "none"],
        ["attStmt", attStmt],
        ["authData", authData],
      ]),
    );
    return {
      id: this.credentialIdB64,
      rawId: this.credentialIdB64,
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: o.transports ?? ["internal", "hybrid"],
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: { credProps: { rk: true } },
    };
  }

  /** An AuthenticationResponseJSON for `challenge` (base64url, as in the request options). */
  assert(challenge: string, o: AssertionOverrides = {}) {
    const authenticatorData = concat(sha256(o.rpId ?? this.rpId), Uint8Array.of(o.flags ?? FLAG.UP | FLAG.UV), uint32(this.nextCount(o)));
    const clientDataJSON = this.clientDataJSON("webauthn.get", challenge, o);
    const signature = this.sign(concat(authenticatorData, sha256(clientDataJSON)));
    return {
      id: this.credentialIdB64,
      rawId: this.credentialIdB64,
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authenticatorData),
        signature: b64url(signature),
        ...(o.userHandle === undefined ? {} : { userHandle: b64url(o.userHandle) }),
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
  }
}

/** Flips one bit of a base64url field's bytes, at `index` (negative: from the end). */
export function flipBit(field: string, index: number): string {
  const bytes = new Uint8Array(isoBase64URL.toBuffer(field));
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  return b64url(bytes);
}

export { b64url };
