import { describe, expect, it } from "vitest";
import { Argon2PasswordHasher } from "./argon2-password-hasher.js";

describe("Argon2PasswordHasher", () => {
  const hasher = new Argon2PasswordHasher({ memoryCostKiB: 8_192, timeCost: 1 });

  it("hashes with argon2id in PHC form, salted: the same password twice gives two hashes", async () => {
    const a = await hasher.hash("correct horse battery");
    const b = await hasher.hash("correct horse battery");
    expect(a).toMatch(/^\$argon2id\$v=19\$m=8192,t=1,p=1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("correct horse");
  });

  it("accepts the password and refuses any other, a non-argon2id hash and a malformed one", async () => {
    const stored = await hasher.hash("correct horse battery");
    expect(await hasher.verify(stored, "correct horse battery")).toBe(true);
    expect(await hasher.verify(stored, "correct horse batterY")).toBe(false);
    expect(await hasher.verify(stored.replace("$argon2id$", "$argon2i$"), "correct horse battery")).toBe(false);
    expect(await hasher.verify("$argon2id$garbage", "correct horse battery")).toBe(false);
  });
});
