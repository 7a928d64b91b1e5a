// Message templates: a default English template for every message, per-tenant overrides given as configuration, and a
// placeholder syntax that only substitutes values ({{code}}, {{minutes}}, …): no expressions, no template engine, no
// code run. Every template is checked when the renderer is built, so a broken override fails at start, not at a send.
import type { ChallengePurpose, Clock, NotificationEvent, OutboundMessage } from "@mfa-chain/application";
import { z } from "zod";
import { DeliveryConfigError, type DeliveryConfigIssue } from "./delivery.errors.js";

/** One template per code purpose and per notification event. */
export type TemplateKey = "verify_code" | "enroll_code" | NotificationEvent;
/** `subject`, `text` and `html` make an email; `sms` is the text of an SMS. */
export type TemplateField = "subject" | "text" | "html" | "sms";
export type MessageTemplate = Readonly<Record<TemplateField, string>>;
/** tenantId → the templates that tenant overrides → the fields it overrides (the others stay the default's). */
export type TemplateOverrides = Readonly<Record<string, Partial<Readonly<Record<TemplateKey, Partial<MessageTemplate>>>>>>;

const CODE_PLACEHOLDERS = ["code", "minutes", "expiresAt"] as const;
const NOTIFICATION_PLACEHOLDERS = ["at", "factorLabel"] as const;
/** A recovery's notice also says when it takes effect and the token that cancels it (never in the subject). */
const RECOVERY_PLACEHOLDERS = ["at", "dueAt", "cancelToken"] as const;
export type Placeholder =
  (typeof CODE_PLACEHOLDERS)[number] | (typeof NOTIFICATION_PLACEHOLDERS)[number] | (typeof RECOVERY_PLACEHOLDERS)[number];

/** Which placeholders each template may use. */
export const TEMPLATE_PLACEHOLDERS: Readonly<Record<TemplateKey, readonly Placeholder[]>> = {
  verify_code: CODE_PLACEHOLDERS,
  enroll_code: CODE_PLACEHOLDERS,
  factor_added: NOTIFICATION_PLACEHOLDERS,
  factor_removed: NOTIFICATION_PLACEHOLDERS,
  backup_code_used: NOTIFICATION_PLACEHOLDERS,
  locked_out: NOTIFICATION_PLACEHOLDERS,
  recovery_requested: RECOVERY_PLACEHOLDERS,
  factors_reset: NOTIFICATION_PLACEHOLDERS,
  fraud_reported: NOTIFICATION_PLACEHOLDERS,
};

const TEMPLATE_KEYS = Object.keys(TEMPLATE_PLACEHOLDERS) as TemplateKey[];
const TEMPLATE_FIELDS: readonly TemplateField[] = ["subject", "text", "html", "sms"];
const CODE_TEMPLATE: Readonly<Record<ChallengePurpose, TemplateKey>> = { verify: "verify_code", enroll: "enroll_code" };

const CODE_STYLE = "font-size:28px;font-weight:bold;letter-spacing:4px;font-family:monospace";
const FOOTER = "If this was not you, contact your administrator at once.";

export const DEFAULT_TEMPLATES: Readonly<Record<TemplateKey, MessageTemplate>> = {
  verify_code: {
    subject: "Your sign-in verification code",
    text: "Your verification code is {{code}}\n\nIt expires in {{minutes}} min ({{expiresAt}}). Never share it: nobody will ask you for it.\nIf you did not try to sign in, someone may know your password: change it.",
    html: `<p>Your verification code is</p><p style="${CODE_STYLE}">{{code}}</p><p>It expires in {{minutes}} min ({{expiresAt}}). Never share it: nobody will ask you for it.</p><p>If you did not try to sign in, someone may know your password: change it.</p>`,
    sms: "{{code}} is your verification code. It expires in {{minutes}} min. Never share it.",
  },
  enroll_code: {
    subject: "Confirm your new second factor",
    text: "Enter {{code}} to confirm this second factor.\n\nThe code expires in {{minutes}} min ({{expiresAt}}). Never share it.\nIf you are not adding a factor to your account, ignore this message.",
    html: `<p>Enter this code to confirm your new second factor:</p><p style="${CODE_STYLE}">{{code}}</p><p>The code expires in {{minutes}} min ({{expiresAt}}). Never share it.</p><p>If you are not adding a factor to your account, ignore this message.</p>`,
    sms: "{{code}} confirms this phone as a second factor. It expires in {{minutes}} min. Never share it.",
  },
  factor_added: {
    subject: "A second factor was added to your account",
    text: `A second factor ({{factorLabel}}) was added to your account at {{at}}.\n${FOOTER}`,
    html: `<p>A second factor (<strong>{{factorLabel}}</strong>) was added to your account at {{at}}.</p><p>${FOOTER}</p>`,
    sms: `A second factor ({{factorLabel}}) was added to your account at {{at}}. ${FOOTER}`,
  },
  factor_removed: {
    subject: "A second factor was removed from your account",
    text: `A second factor ({{factorLabel}}) was removed from your account at {{at}}.\n${FOOTER}`,
    html: `<p>A second factor (<strong>{{factorLabel}}</strong>) was removed from your account at {{at}}.</p><p>${FOOTER}</p>`,
    sms: `A second factor ({{factorLabel}}) was removed from your account at {{at}}. ${FOOTER}`,
  },
  backup_code_used: {
    subject: "A backup code was used on your account",
    text: `One of your backup codes was used at {{at}}. Each code works once; generate new ones when few are left.\n${FOOTER}`,
    html: `<p>One of your backup codes was used at {{at}}. Each code works once; generate new ones when few are left.</p><p>${FOOTER}</p>`,
    sms: `One of your backup codes was used at {{at}}. ${FOOTER}`,
  },
  locked_out: {
    subject: "Your account is temporarily locked",
    text: `Too many failed verifications locked your account at {{at}}. It unlocks by itself after a while.\n${FOOTER}`,
    html: `<p>Too many failed verifications locked your account at {{at}}. It unlocks by itself after a while.</p><p>${FOOTER}</p>`,
    sms: `Too many failed verifications locked your account at {{at}}. ${FOOTER}`,
  },
  recovery_requested: {
    subject: "Account recovery was requested",
    text: `A recovery of your account was requested at {{at}}. At {{dueAt}} all your second factors will be removed, so that you can set up new ones.\nIf you did not ask for this, cancel it now with this cancel token:\n{{cancelToken}}\n${FOOTER}`,
    html: `<p>A recovery of your account was requested at {{at}}. At {{dueAt}} all your second factors will be removed, so that you can set up new ones.</p><p>If you did not ask for this, cancel it now with this cancel token:</p><p style="font-family:monospace">{{cancelToken}}</p><p>${FOOTER}</p>`,
    sms: `A recovery of your account was requested at {{at}}; it takes effect at {{dueAt}}. Not you? Cancel it with {{cancelToken}}`,
  },
  factors_reset: {
    subject: "All your second factors were removed",
    text: `An administrator removed all the second factors of your account at {{at}}, so that you can set up new ones.\n${FOOTER}`,
    html: `<p>An administrator removed all the second factors of your account at {{at}}, so that you can set up new ones.</p><p>${FOOTER}</p>`,
    sms: `An administrator removed all your second factors at {{at}}. ${FOOTER}`,
  },
  fraud_reported: {
    subject: "A sign-in you did not approve was reported",
    text: `At {{at}} you reported a sign-in request ({{factorLabel}}) as not yours. It was refused. Someone may know your password: change it.\n${FOOTER}`,
    html: `<p>At {{at}} you reported a sign-in request (<strong>{{factorLabel}}</strong>) as not yours. It was refused. Someone may know your password: change it.</p><p>${FOOTER}</p>`,
    sms: `At {{at}} you reported a sign-in request as not yours; it was refused. Change your password. ${FOOTER}`,
  },
};

type Segment = string | { readonly placeholder: Placeholder };
type CompiledTemplate = Readonly<Record<TemplateField, readonly Segment[]>>;

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

const fieldsSchema = z.strictObject({
  subject: z.string().min(1, "must not be empty").optional(),
  text: z.string().min(1, "must not be empty").optional(),
  html: z.string().min(1, "must not be empty").optional(),
  sms: z.string().min(1, "must not be empty").optional(),
});
const tenantSchema = z.strictObject(Object.fromEntries(TEMPLATE_KEYS.map((key) => [key, fieldsSchema.optional()])));
const overridesSchema = z.record(z.string().min(1, "a tenant id must not be empty"), tenantSchema);

/** Renders a message into its email or SMS text: the tenant's override where there is one, the default otherwise. */
export class MessageRenderer {
  readonly #defaults: Readonly<Record<TemplateKey, CompiledTemplate>>;
  readonly #tenants = new Map<string, Partial<Record<TemplateKey, CompiledTemplate>>>();
  readonly #clock: Clock;

  /**
   * @param options.overrides per-tenant templates shaped as TemplateOverrides (e.g. parsed from a JSON file); validated here.
   * @param options.clock what `{{minutes}}` counts from; the system clock by default.
   * @throws DeliveryConfigError `template_invalid` naming every field at fault.
   */
  constructor(options: { readonly overrides?: unknown; readonly clock?: Clock } = {}) {
    this.#clock = options.clock ?? { now: () => Date.now() };
    const issues: DeliveryConfigIssue[] = [];
    this.#defaults = Object.fromEntries(
      TEMPLATE_KEYS.map((key) => [key, compileTemplate(key, DEFAULT_TEMPLATES[key], `defaults.${key}`, issues)]),
    ) as Record<TemplateKey, CompiledTemplate>;

    const parsed = overridesSchema.safeParse(options.overrides ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        issues.push({ where: ["templates", ...issue.path.map(String)].join("."), message: issue.message });
      }
    } else {
      for (const [tenantId, templates] of Object.entries(parsed.data)) {
        const compiled: Partial<Record<TemplateKey, CompiledTemplate>> = {};
        for (const key of TEMPLATE_KEYS) {
          const override = templates[key];
          if (override === undefined) continue;
          const merged = { ...DEFAULT_TEMPLATES[key], ...definedFields(override) };
          compiled[key] = compileTemplate(key, merged, `templates.${tenantId}.${key}`, issues);
        }
        this.#tenants.set(tenantId, compiled);
      }
    }
    if (issues.length > 0) throw new DeliveryConfigError("template_invalid", issues);
  }

  email(message: OutboundMessage): RenderedEmail {
    const { template, values } = this.#resolve(message);
    return {
      // A subject is one header line: a value with a line break (a factor label) must not start another header.
      subject: fill(template.subject, values, (value) => value.replace(/[\u0000-\u001f\u007f]+/g, " ")),
      text: fill(template.text, values, (value) => value),
      html: fill(template.html, values, escapeHtml),
    };
  }

  sms(message: OutboundMessage): string {
    const { template, values } = this.#resolve(message);
    return fill(template.sms, values, (value) => value);
  }

  #resolve(message: OutboundMessage): { template: CompiledTemplate; values: Partial<Record<Placeholder, string>> } {
    const pick = (key: TemplateKey): CompiledTemplate => this.#tenants.get(message.tenantId)?.[key] ?? this.#defaults[key];
    switch (message.kind) {
      case "challenge_code": {
        const minutes = Math.max(1, Math.ceil((message.expiresAt - this.#clock.now()) / 60_000));
        return {
          template: pick(CODE_TEMPLATE[message.purpose]),
          values: { code: message.code, minutes: String(minutes), expiresAt: formatInstant(message.expiresAt) },
        };
      }
      case "notification":
        return {
          template: pick(message.event),
          values: {
            at: formatInstant(message.at),
            factorLabel: message.factorLabel ?? "unnamed factor",
            dueAt: message.dueAt === undefined ? "" : formatInstant(message.dueAt),
            cancelToken: message.cancelToken ?? "",
          },
        };
    }
  }
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** `2026-01-31 14:05 UTC`: unambiguous for any reader, whatever their time zone. */
function formatInstant(instant: number): string {
  return `${new Date(instant).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function definedFields(fields: Partial<Record<TemplateField, string | undefined>>): Partial<Record<TemplateField, string>> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

function fill(segments: readonly Segment[], values: Partial<Record<Placeholder, string>>, encode: (value: string) => string): string {
  return segments.map((segment) => (typeof segment === "string" ? segment : encode(values[segment.placeholder] ?? ""))).join("");
}

function compileTemplate(key: TemplateKey, template: MessageTemplate, where: string, issues: DeliveryConfigIssue[]): CompiledTemplate {
  const allowed = TEMPLATE_PLACEHOLDERS[key];
  const compiled = Object.fromEntries(
    TEMPLATE_FIELDS.map((field) => [field, compileField(template[field], allowed, `${where}.${field}`, issues)]),
  ) as Record<TemplateField, Segment[]>;

  const usesCode = (field: TemplateField) => compiled[field].some((s) => typeof s !== "string" && s.placeholder === "code");
  if (usesCode("subject")) {
    issues.push({
      where: `${where}.subject`,
      message: "a subject must not contain {{code}}: subjects show in notifications and mail lists",
    });
  }
  if (compiled.subject.some((s) => typeof s !== "string" && s.placeholder === "cancelToken")) {
    issues.push({
      where: `${where}.subject`,
      message: "a subject must not contain {{cancelToken}}: subjects show in notifications and mail lists",
    });
  }
  if (/[\r\n]/.test(template.subject)) {
    issues.push({ where: `${where}.subject`, message: "a subject is one line: it must not contain a line break" });
  }
  if (allowed.includes("code")) {
    for (const field of ["text", "html", "sms"] as const) {
      if (!usesCode(field)) issues.push({ where: `${where}.${field}`, message: "a code message must contain {{code}}" });
    }
  }
  return compiled;
}

function compileField(source: string, allowed: readonly Placeholder[], where: string, issues: DeliveryConfigIssue[]): Segment[] {
  const segments: Segment[] = [];
  const literal = (text: string) => {
    if (text.includes("{{") || text.includes("}}")) {
      issues.push({ where, message: "malformed placeholder: write {{name}} with a name of letters, digits and _" });
    }
    if (text !== "") segments.push(text);
  };
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    literal(source.slice(last, match.index));
    last = match.index + match[0].length;
    const name = match[1] ?? "";
    if ((allowed as readonly string[]).includes(name)) {
      segments.push({ placeholder: name as Placeholder });
    } else {
      issues.push({ where, message: `unknown placeholder {{${name}}}; allowed: ${allowed.map((p) => `{{${p}}}`).join(", ")}` });
    }
  }
  literal(source.slice(last));
  return segments;
}
