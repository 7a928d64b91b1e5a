import { anAttempt, secondsAfter, TEST_EPOCH } from "../testing/index.js";
import { describe, expect, it } from "vitest";
import { isFreshCompletion, REAUTH_MAX_AGE_SECONDS, reauthenticationRefusal } from "./reauthentication.js";

describe("isFreshCompletion (S29)", () => {
  const done = anAttempt().forUser("alice").startedAt(TEST_EPOCH).completed().build();

  it("S29 accepts the user's own attempt completed at most 5 minutes ago", () => {
    expect(REAUTH_MAX_AGE_SECONDS).toBe(300);
    expect(isFreshCompletion(done, "alice", TEST_EPOCH)).toBe(true);
    expect(isFreshCompletion(done, "alice", secondsAfter(300))).toBe(true);
    expect(isFreshCompletion(done, "alice", secondsAfter(300.001))).toBe(false);
  });

  it("S29 refuses another user's completion and an attempt that is not complete", () => {
    expect(isFreshCompletion(done, "bob", TEST_EPOCH)).toBe(false);
    expect(isFreshCompletion(anAttempt().forUser("alice").build(), "alice", TEST_EPOCH)).toBe(false);
    expect(isFreshCompletion({ ...done, completedAt: null }, "alice", TEST_EPOCH)).toBe(false);
  });

  it("S29 says why an attempt does not re-authenticate the user", () => {
    expect(reauthenticationRefusal(done, "alice", TEST_EPOCH)).toBeNull();
    expect(reauthenticationRefusal(null, "alice", TEST_EPOCH)).toBe("no such attempt");
    expect(reauthenticationRefusal(done, "bob", TEST_EPOCH)).toBe("it is another user's attempt");
    expect(reauthenticationRefusal(anAttempt().forUser("alice").build(), "alice", TEST_EPOCH)).toBe("it is not completed");
    expect(reauthenticationRefusal(done, "alice", secondsAfter(301))).toBe("it was completed more than 300 seconds ago");
  });
});
