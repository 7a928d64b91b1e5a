import { describe, expect, it } from "vitest";
import { aCodeMessage, aNotification, fixedClock, NOW } from "../test/messages.js";
import { DeliveryConfigError } from "./delivery.errors.js";
import { DEFAULT_TEMPLATES, MessageRenderer, TEMPLATE_PLACEHOLDERS, type TemplateKey } from "./templates.js";

const renderer = (overrides?: unknown) => new MessageRenderer({ clock: fixedClock(), overrides });

function templateError(overrides: unknown): DeliveryConfigError {
  try {
    renderer(overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(DeliveryConfigError);
    expect((error as DeliveryConfigError).code).toBe("template_invalid");
    return error as DeliveryConfigError;
  }
  return expect.fail("the templates should have been refused");
}

describe("default templates", () => {
  const events = ["factor_added", "factor_removed", "backup_code_used", "locked_out", "recovery_requested"] as const;

  it("exist for every purpose and event, and a code's subject never holds the code", () => {
    expect(Object.keys(DEFAULT_TEMPLATES).sort()).toEqual(Object.keys(TEMPLATE_PLACEHOLDERS).sort());
    for (const purpose of ["verify", "enroll"] as const) {
      const message = aCodeMessage({ purpose, code: "735091" });
      const email = renderer().email(message);
      expect(email.subject).not.toContain("735091");
      expect(email.text).toContain("735091");
      expect(email.html).toContain("735091");
      expect(renderer().sms({ ...message, channel: "sms" })).toContain("735091");
    }
    for (const event of events) {
      const email = renderer().email(aNotification({ event, at: NOW }));
      expect(email.subject.length).toBeGreaterThan(0);
      expect(email.text).toContain("2026-01-31 14:00 UTC");
      expect(email.text).not.toMatch(/\{\{|\}\}/);
      expect(email.html).not.toMatch(/\{\{|\}\}/);
    }
  });

  it("count the minutes left from the clock, rounding up, and name the expiry in UTC", () => {
    const message = aCodeMessage({ expiresAt: NOW + 4 * 60_000 + 1 });
    expect(renderer().sms({ ...message, channel: "sms" })).toContain("expires in 5 min");
    expect(renderer().email(message).text).toContain("(2026-01-31 14:04 UTC)");
    expect(renderer().email(aCodeMessage({ expiresAt: NOW - 1 })).text).toContain("expires in 1 min");
  });

  it("name an unlabelled factor, and escape HTML in values of the HTML body only", () => {
    const { factorLabel: _label, ...unlabelled } = aNotification();
    expect(renderer().email(unlabelled).text).toContain("(unnamed factor)");
    const email = renderer().email(aNotification({ factorLabel: `<img src=x onerror="alert('1')">&` }));
    expect(email.html).toContain("&#60;img src=x onerror=&#34;alert(&#39;1&#39;)&#34;&#62;&#38;");
    expect(email.html).not.toContain("<img");
    expect(email.text).toContain(`<img src=x onerror="alert('1')">&`);
  });
});

describe("per-tenant overrides", () => {
  it("replace only the fields given, for that tenant only; placeholders may carry spaces", () => {
    const r = renderer({ acme: { verify_code: { subject: "Acme sign-in", sms: "Acme: {{ code }} ({{minutes}} min)" } } });
    const acme = aCodeMessage({ tenantId: "acme", code: "111222" });
    expect(r.email(acme).subject).toBe("Acme sign-in");
    expect(r.email(acme).text).toBe(renderer().email(acme).text);
    expect(r.sms({ ...acme, channel: "sms" })).toBe("Acme: 111222 (5 min)");
    expect(r.email({ ...acme, tenantId: "other" }).subject).toBe("Your sign-in verification code");
    expect(r.email({ ...acme, purpose: "enroll" }).subject).toBe("Confirm your new second factor");
  });

  it("a subject line cannot be broken by a value: control characters become spaces", () => {
    const r = renderer({ acme: { factor_added: { subject: "Added: {{factorLabel}}" } } });
    const email = r.email(aNotification({ tenantId: "acme", factorLabel: "key\r\nBcc: mallory@example.test" }));
    expect(email.subject).toBe("Added: key Bcc: mallory@example.test");
  });

  it("refuse {{code}} in a subject, at start", () => {
    const error = templateError({ acme: { verify_code: { subject: "Your code: {{code}}" } } });
    expect(error.issues).toEqual([
      { where: "templates.acme.verify_code.subject", message: expect.stringContaining("must not contain {{code}}") },
    ]);
  });

  it("refuse an unknown placeholder, and a placeholder of another kind of message", () => {
    expect(templateError({ acme: { verify_code: { text: "{{code}} for {{user}}" } } }).issues).toEqual([
      { where: "templates.acme.verify_code.text", message: "unknown placeholder {{user}}; allowed: {{code}}, {{minutes}}, {{expiresAt}}" },
    ]);
    expect(templateError({ acme: { locked_out: { sms: "code {{code}}" } } }).message).toContain(
      "templates.acme.locked_out.sms: unknown placeholder {{code}}; allowed: {{at}}, {{factorLabel}}",
    );
  });

  it("refuse a code template without {{code}}, malformed braces, a multi-line subject", () => {
    expect(templateError({ t: { enroll_code: { html: "<p>no code here</p>" } } }).issues).toEqual([
      { where: "templates.t.enroll_code.html", message: "a code message must contain {{code}}" },
    ]);
    expect(templateError({ t: { factor_added: { text: "label {{factorLabel}" } } }).message).toContain("malformed placeholder");
    expect(templateError({ t: { factor_added: { text: "{{ code.constructor }}" } } }).message).toContain("malformed placeholder");
    expect(templateError({ t: { factor_added: { subject: "one\ntwo" } } }).message).toContain("must not contain a line break");
  });

  it("refuse unknown templates, unknown fields, empty and non-string values, naming each", () => {
    const error = templateError({ t: { login_code: { text: "x" }, verify_code: { body: "{{code}}", sms: "" }, locked_out: { text: 3 } } });
    const where = error.issues.map((issue) => issue.where).sort();
    expect(where).toEqual(["templates.t", "templates.t.locked_out.text", "templates.t.verify_code", "templates.t.verify_code.sms"]);
    expect(error.message).toContain("login_code");
    expect(error.message).toContain("body");
    expect(templateError([]).issues[0]?.where).toBe("templates");
  });

  it("report every problem at once", () => {
    const error = templateError({
      a: { verify_code: { subject: "{{code}}" } },
      b: { factor_removed: { html: "{{nope}}" } },
    });
    expect(error.issues.map((issue) => issue.where)).toEqual(["templates.a.verify_code.subject", "templates.b.factor_removed.html"]);
  });

  it("accept every key the type names", () => {
    const all = Object.fromEntries(Object.keys(DEFAULT_TEMPLATES).map((key) => [key, { subject: `S ${key}` }])) as Record<
      TemplateKey,
      object
    >;
    expect(() => renderer({ acme: all })).not.toThrow();
  });
});

describe("recovery and fraud notices (issue 14)", () => {
  it("a recovery's notice carries its cancel token and due time in the body, never in the subject", () => {
    const token = "mfarc_9xQmT2vLr8ZpKc4WnYb7HsDe3FgJ5aUo";
    const message = aNotification({ event: "recovery_requested", cancelToken: token, dueAt: NOW + 24 * 3600 * 1000 });
    const email = renderer().email(message);
    expect(email.subject).not.toContain(token);
    expect(email.text).toContain(token);
    expect(email.html).toContain(token);
    expect(email.text).toContain(new Date(NOW + 24 * 3600 * 1000).toISOString().slice(0, 16).replace("T", " "));
    expect(renderer().sms({ ...message, channel: "sms" })).toContain(token);
  });

  it("an override with {{cancelToken}} in a subject is refused", () => {
    const error = templateError({ acme: { recovery_requested: { subject: "Cancel with {{cancelToken}}" } } });
    expect(error.issues.map((i) => i.where)).toContain("templates.acme.recovery_requested.subject");
  });

  it("fraud_reported has a template naming the factor", () => {
    const email = renderer().email(aNotification({ event: "fraud_reported", factorLabel: "Phone app" }));
    expect(email.subject).toMatch(/not approve/);
    expect(email.text).toContain("Phone app");
  });
});
