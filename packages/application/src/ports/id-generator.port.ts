/** Opaque, unguessable identifiers (at least 128 random bits, URL-safe). */
export interface IdGenerator {
  newId(): string;
}
