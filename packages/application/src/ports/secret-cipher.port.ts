/** What a ciphertext is bound to: a row copied onto another tenant, user or factor does not decrypt. */
export interface SecretBinding {
  readonly tenantId: string;
  readonly userId: string;
  readonly credentialId: string;
}

export interface SealedSecret {
  /** Which key of the keyring sealed it. */
  readonly keyId: string;
  /** Nonce, ciphertext and tag, as the cipher lays them out. */
  readonly ciphertext: Uint8Array;
}

/** Authenticated encryption of factor secrets at rest. */
export interface SecretCipher {
  seal(plaintext: Uint8Array, binding: SecretBinding): SealedSecret;
  /** Throws when the ciphertext was tampered with, bound elsewhere, or sealed by an unknown key. */
  open(sealed: SealedSecret, binding: SecretBinding): Uint8Array;
  /** The key id new seals use; a sealed secret under another id needs re-encryption after a rotation. */
  readonly currentKeyId: string;
}
