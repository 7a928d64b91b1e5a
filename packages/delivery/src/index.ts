// @mfa-chain/delivery — delivery of one-time codes and notifications: SMTP email (nodemailer), SMS by a signed webhook
// or Twilio, a development outbox; per-tenant templates. Renders and sends; decides nothing.
export * from "./delivery.errors.js";
export * from "./templates.js";
export * from "./channel-router.js";
export * from "./smtp-email-sender.js";
export * from "./signed-webhook.js";
export * from "./webhook-sms-sender.js";
export * from "./webhook-push-gateway.js";
export * from "./twilio-sms-sender.js";
export * from "./development-outbox.js";
export * from "./delivery-from-environment.js";
