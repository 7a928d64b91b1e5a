// Configuration errors of the delivery adapters: raised at start, never while sending. A message names the variable or
// template field that is wrong and what was expected; it never repeats a value that may be secret.

export type DeliveryConfigErrorCode =
  /** An environment variable or a sender option is missing, malformed, or contradicts another. */
  | "config_invalid"
  /** A template override is malformed: unknown placeholder, {{code}} in a subject, a code template without {{code}}. */
  | "template_invalid";

export interface DeliveryConfigIssue {
  /** The environment variable (`SMTP_URL`) or the template field (`templates.acme.verify_code.subject`) at fault. */
  readonly where: string;
  readonly message: string;
}

export class DeliveryConfigError extends Error {
  override readonly name = "DeliveryConfigError";

  constructor(
    readonly code: DeliveryConfigErrorCode,
    readonly issues: readonly DeliveryConfigIssue[],
    options?: { cause?: unknown },
  ) {
    const heading = code === "template_invalid" ? "delivery templates are invalid" : "delivery configuration is invalid";
    super(`${heading}: ${issues.map((issue) => `${issue.where}: ${issue.message}`).join("; ")}`, options);
  }
}
