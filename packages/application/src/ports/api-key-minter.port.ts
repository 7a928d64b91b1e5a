/** Makes API keys: the key (shown once, never stored) and the hash under which it is stored and looked up. */
export interface ApiKeyMinter {
  mint(): { readonly apiKey: string; readonly keyHash: string };
  /** The hash of a presented key, as `mint` computes it. */
  hash(apiKey: string): string;
}
