// Which policy algorithm a credential's COSE key is, checked on the key itself: its alg, and a key type and curve
// that fit that alg (an "ES256" key on another curve, or an RSA key labelled EdDSA, is refused at registration).
import type { WebAuthnAlgorithm } from "@mfa-chain/application";
import { WEBAUTHN_COSE_ALGORITHM } from "@mfa-chain/application";
import { cose, decodeCredentialPublicKey } from "@simplewebauthn/server/helpers";

interface KeyShape {
  readonly kty: number;
  /** The curve, for key types that have one. */
  readonly crv?: number;
}

const SHAPES: Readonly<Record<WebAuthnAlgorithm, KeyShape>> = {
  ES256: { kty: cose.COSEKTY.EC2, crv: cose.COSECRV.P256 },
  EdDSA: { kty: cose.COSEKTY.OKP, crv: cose.COSECRV.ED25519 },
  RS256: { kty: cose.COSEKTY.RSA },
};

export const COSE_TO_ALGORITHM: ReadonlyMap<number, WebAuthnAlgorithm> = new Map(
  (Object.entries(WEBAUTHN_COSE_ALGORITHM) as [WebAuthnAlgorithm, number][]).map(([name, id]) => [id, name]),
);

export type CoseKeyCheck = { readonly ok: true; readonly algorithm: WebAuthnAlgorithm } | { readonly ok: false; readonly detail: string };

/** The algorithm of `publicKey` if it is one of `allowed` and the key fits it. Throws on undecodable CBOR. */
export function checkCoseKey(publicKey: Uint8Array, allowed: readonly WebAuthnAlgorithm[]): CoseKeyCheck {
  // Read as a plain CBOR map: which labels a key has is exactly what is being checked.
  const key = decodeCredentialPublicKey(new Uint8Array(publicKey)) as unknown as ReadonlyMap<number, unknown>;
  const alg = key.get(cose.COSEKEYS.alg);
  const algorithm = typeof alg === "number" ? COSE_TO_ALGORITHM.get(alg) : undefined;
  if (algorithm === undefined || !allowed.includes(algorithm)) {
    return { ok: false, detail: `credential key alg ${String(alg)}, expected one of ${allowed.join(", ")}` };
  }
  const shape = SHAPES[algorithm];
  const kty = key.get(cose.COSEKEYS.kty);
  const crv = shape.crv === undefined ? undefined : key.get(cose.COSEKEYS.crv);
  if (kty !== shape.kty || crv !== shape.crv) {
    return { ok: false, detail: `credential key kty ${String(kty)} crv ${String(crv)} does not fit ${algorithm}` };
  }
  return { ok: true, algorithm };
}
