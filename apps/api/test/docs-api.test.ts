// docs/api.md against the code: its "Error codes" table must list exactly the codes of STATUS in
// src/http/problem.ts with the same status, and every code its "Answers" table names must carry that status too.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { STATUS } from "../src/http/problem.js";

const DOC_PATH = "docs/api.md";
const doc = readFileSync(new URL("../../../docs/api.md", import.meta.url), "utf8");

/** The text under a "## title" heading, up to the next "## " heading. */
function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start === -1) throw new Error(`${DOC_PATH} has no "## ${title}" section`);
  const end = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, end === -1 ? undefined : end);
}

/** The body rows of the first Markdown table in a text, as trimmed cells. */
function tableRows(text: string): string[][] {
  const lines = text.split("\n").filter((l) => l.startsWith("|"));
  return lines.slice(2).map((l) =>
    l
      .slice(1, l.endsWith("|") ? -1 : undefined)
      .split("|")
      .map((c) => c.trim()),
  );
}

const known = STATUS as Record<string, number>;

describe(`${DOC_PATH} and STATUS in src/http/problem.ts`, () => {
  it("the Error codes table lists every code of the API with its status, and no other", () => {
    const documented = new Map<string, number>();
    const problems: string[] = [];
    for (const [codeCell = "", statusCell = ""] of tableRows(section("Error codes"))) {
      const code = /^`([a-z_]+)`$/.exec(codeCell)?.[1];
      if (!code) {
        problems.push(`a row whose code cell is not a \`code\`: ${JSON.stringify(codeCell)}`);
        continue;
      }
      if (documented.has(code)) problems.push(`${code}: documented twice`);
      documented.set(code, Number(statusCell));
    }
    for (const [code, status] of Object.entries(known)) {
      if (!documented.has(code))
        problems.push(`${code} (${status}): in problem.ts, missing from the Error codes table of ${DOC_PATH} — add its row`);
      else if (documented.get(code) !== status)
        problems.push(`${code}: ${DOC_PATH} says ${String(documented.get(code))}, problem.ts answers ${status}`);
    }
    for (const code of documented.keys()) {
      if (!(code in known)) problems.push(`${code}: documented in ${DOC_PATH}, but problem.ts has no such code`);
    }
    expect(problems).toEqual([]);
  });

  it("each code the Answers table names goes with the status it names", () => {
    const problems: string[] = [];
    for (const [situation = "", statusCell = "", codeCell = ""] of tableRows(section("Answers"))) {
      // "404 / 410 / 409" pairs with "`a` / `b` / `c`"; the first `word` of each part is the code, the rest (fields) is not.
      const statuses = (statusCell.match(/\b\d{3}\b/g) ?? []).map(Number);
      const codes = codeCell.split(" / ").flatMap((part) => {
        const first = /`([^`]+)`/.exec(part)?.[1];
        return first !== undefined && /^[a-z]+(_[a-z]+)*$/.test(first) ? [first] : [];
      });
      if (codes.length === 0) continue; // an outcome (200), not a problem
      if (codes.length !== statuses.length) {
        problems.push(`"${situation}": ${statuses.length} status(es) for ${codes.length} code(s) (${codes.join(", ")}), cannot pair them`);
        continue;
      }
      codes.forEach((code, i) => {
        if (!(code in known)) problems.push(`"${situation}": ${code} is not a code of problem.ts`);
        else if (known[code] !== statuses[i])
          problems.push(`"${situation}": ${code} is listed with ${String(statuses[i])}, problem.ts answers ${String(known[code])}`);
      });
    }
    expect(problems).toEqual([]);
  });
});
