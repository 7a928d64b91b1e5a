import { describe, expect, it } from "vitest";
import { BACKUP_CODE_ALPHABET, BACKUP_CODE_LENGTH, backupCode, canonicalBackupCode, formatBackupCode } from "./backup-code.js";

describe("backup codes: the typed form", () => {
  const code = "7KQ2MXB9TD4RWNF";

  it("S18 a code carries at least 64 bits: 15 characters of a 32-symbol alphabet without I, L, O or U", () => {
    expect(BACKUP_CODE_ALPHABET).toHaveLength(32);
    expect(new Set(BACKUP_CODE_ALPHABET).size).toBe(32);
    expect(BACKUP_CODE_ALPHABET).not.toMatch(/[ILOU]/);
    expect(BACKUP_CODE_LENGTH * Math.log2(BACKUP_CODE_ALPHABET.length)).toBeGreaterThanOrEqual(64);
  });

  it("is shown in groups of five", () => {
    expect(formatBackupCode(code)).toBe("7KQ2M-XB9TD-4RWNF");
  });

  it.each(["7KQ2M-XB9TD-4RWNF", "7kq2m-xb9td-4rwnf", "7KQ2M XB9TD 4RWNF", "7kq2mxb9td4rwnf", " 7KQ2M-XB9TD-4RWNF "])(
    "accepts %j in any case, with or without separators",
    (typed) => {
      expect(canonicalBackupCode(typed)).toBe(code);
      expect(backupCode.isWellFormed(typed, {})).toBe(true);
    },
  );

  it("reads O, I and L as 0, 1 and 1 (the characters they are mistaken for)", () => {
    expect(canonicalBackupCode("O1ILO-00000-00000")).toBe("011100000000000");
  });

  it.each([
    "",
    "7KQ2M-XB9TD-4RWN",
    "7KQ2M-XB9TD-4RWNFF",
    "7KQ2M-XB9TD-4RWNU",
    "7KQ2M_XB9TD_4RWNF",
    "123456",
    "７KQ2M-XB9TD-4RWNF",
    "-".repeat(60),
  ])("refuses %j: anything else is not a backup code", (typed) => {
    expect(canonicalBackupCode(typed)).toBeNull();
    expect(backupCode.isWellFormed(typed, {})).toBe(false);
  });
});
