// What a factor kind is on the wire: the params of its credentials, what enrolling one shows (once), and what a factor
// view adds for it. One module per kind, composed in index.ts into the OpenAPI schemas.
import type { ImplementedFactorType } from "@mfa-chain/domain";
import type { z } from "zod";

export interface ApiKind<K extends ImplementedFactorType> {
  readonly params: z.ZodObject<{ type: z.ZodLiteral<K> } & z.ZodRawShape>;
  readonly shown: z.ZodObject;
  readonly view: z.ZodObject;
  /** Kind-specific fields of the enrollment request (an email factor's `destination`); absent when it takes none. */
  readonly enroll?: z.ZodObject;
  /**
   * The kind's fields of the challenge phase's answer (`POST /v1/attempts/{id}/challenge`), for a kind whose challenge
   * is answered rather than sent (WebAuthn's `publicKey` request options); absent otherwise.
   */
  readonly challenge?: z.ZodObject;
}
