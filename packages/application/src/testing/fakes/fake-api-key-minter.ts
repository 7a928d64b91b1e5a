// Predictable API keys for unit tests: "test_key_1", "test_key_2", …, "hashed" by a visible prefix so that a test can
// tell a key from its stored form. Never for production: the API's minter uses 256 random bits and SHA-256.
import type { ApiKeyMinter } from "../../index.js";

export class FakeApiKeyMinter implements ApiKeyMinter {
  private minted = 0;

  mint(): { apiKey: string; keyHash: string } {
    this.minted += 1;
    const apiKey = `test_key_${this.minted}`;
    return { apiKey, keyHash: this.hash(apiKey) };
  }

  hash(apiKey: string): string {
    return `hash(${apiKey})`;
  }
}
