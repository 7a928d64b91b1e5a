// The passkey demo: a chain TOTP → passkey through the public API. The WebAuthn part is what any relying party's
// front end does (docs/webauthn.md): the options from the API go to navigator.credentials.create / get after their
// base64url fields are turned into bytes, and the credential goes back as JSON with its bytes in base64url.
const POLICY = "demo-passkey";
const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
const state = { apiKey: null, userId: "alice", attemptId: null, totpCredential: null };

// ---------------------------------------------------------------------------------------------------------- WebAuthn
const toBytes = (b64url) => {
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(b64url.length / 4) * 4, "=");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
};
const toB64url = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const descriptors = (list) => (list ?? []).map((c) => ({ ...c, id: toBytes(c.id) }));

/** PublicKeyCredentialCreationOptionsJSON → the options navigator.credentials.create takes. */
function creationOptions(json) {
  return { ...json, challenge: toBytes(json.challenge), user: { ...json.user, id: toBytes(json.user.id) }, excludeCredentials: descriptors(json.excludeCredentials) };
}
/** PublicKeyCredentialRequestOptionsJSON → the options navigator.credentials.get takes. */
function requestOptions(json) {
  return { ...json, challenge: toBytes(json.challenge), allowCredentials: descriptors(json.allowCredentials) };
}
/** A PublicKeyCredential as the API takes it (RegistrationResponseJSON / AuthenticationResponseJSON). */
function credentialJSON(credential) {
  const r = credential.response;
  const response = { clientDataJSON: toB64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toB64url(r.attestationObject);
    response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
  } else {
    response.authenticatorData = toB64url(r.authenticatorData);
    response.signature = toB64url(r.signature);
    if (r.userHandle) response.userHandle = toB64url(r.userHandle);
  }
  return {
    id: credential.id,
    rawId: toB64url(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment ?? null,
  };
}

// ------------------------------------------------------------------------------------------------------------ API
async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${state.apiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = res.status === 204 ? null : await res.json();
  return { status: res.status, data };
}
const must = (reply, what) => {
  if (reply.status >= 400) throw new Error(`${what}: ${reply.data?.detail ?? reply.status}`);
  return reply.data;
};
function fail(error) {
  $("error").textContent = error instanceof Error ? error.message : String(error);
  $("error").hidden = false;
}
const guarded = (fn) => (event) => {
  event?.preventDefault();
  $("error").hidden = true;
  fn().catch(fail);
};

// --------------------------------------------------------------------------------------------------------- set-up
async function setUp() {
  state.apiKey = (await (await fetch("/demo/config.json", { cache: "no-store" })).json()).apiKey;
  // The relying party is this page: its host is the RP id, its origin the one origin allowed.
  const rp = must(await api("PUT", "/v1/admin/webauthn", { id: location.hostname, name: "mfa-chain demo", origins: [location.origin] }), "relying party");
  $("rp-id").textContent = rp.id;
  $("rp-origin").textContent = rp.origins.join(", ");
  const policy = {
    id: POLICY,
    name: "Authenticator app, then a passkey",
    mode: "fixed",
    requiredSteps: 2,
    factors: [
      { id: "app", label: "Authenticator app", type: "totp" },
      { id: "passkey", label: "Passkey", type: "webauthn", options: { userVerification: "required", residentKey: "required" } },
    ],
  };
  const created = await api("POST", "/v1/policies", policy);
  if (created.status !== 201 && created.data?.code !== "policy_exists") must(created, "policy");
  $("policy-id").textContent = POLICY;
  await useUser();
}

async function useUser() {
  state.userId = $("user-id").value.trim();
  $("current-user").textContent = state.userId;
  const { factors } = must(await api("GET", `/v1/users/${encodeURIComponent(state.userId)}/factors`), "factors");
  const active = (id) => factors.some((f) => f.factorId === id && f.status === "active");
  $("totp-status").textContent = active("app") ? "enrolled" : "not enrolled";
  $("passkey-status").textContent = active("passkey") ? "enrolled" : "not enrolled";
}

const factorsPath = () => `/v1/users/${encodeURIComponent(state.userId)}/factors`;

async function enrollTotp() {
  const enrolled = must(await api("POST", factorsPath(), { policyId: POLICY, factorId: "app" }), "enroll");
  state.totpCredential = enrolled.factor.id;
  $("totp-secret").textContent = enrolled.secret;
  $("totp-setup").hidden = false;
}

async function confirmTotp() {
  const code = $("totp-confirm-code").value.trim();
  const confirmed = must(await api("POST", `${factorsPath()}/${state.totpCredential}/confirm`, { code }), "confirm");
  if (!confirmed.confirmed) throw new Error("that code did not match; type the current one");
  // Shown once: gone from the page once confirmed.
  $("totp-secret").textContent = "";
  $("totp-confirm-code").value = "";
  $("totp-setup").hidden = true;
  $("totp-status").textContent = "enrolled";
}

async function enrollPasskey() {
  const enrolled = must(await api("POST", factorsPath(), { policyId: POLICY, factorId: "passkey" }), "enroll");
  const credential = await navigator.credentials.create({ publicKey: creationOptions(enrolled.publicKey) });
  const confirmed = must(await api("POST", `${factorsPath()}/${enrolled.factor.id}/confirm`, { response: credentialJSON(credential) }), "confirm");
  if (!confirmed.confirmed) throw new Error("the passkey was not accepted");
  $("passkey-status").textContent = "enrolled";
}

// --------------------------------------------------------------------------------------------------------- sign-in
function showStep(number, count, factor) {
  $("attempt").hidden = false;
  $("step-number").textContent = String(number);
  $("step-count").textContent = String(count);
  $("step-label").textContent = factor.label;
  $("attempt").dataset.factorId = factor.id;
  $("code-form").hidden = factor.type !== "totp";
  $("use-passkey").hidden = factor.type !== "webauthn";
}

async function start() {
  $("result").textContent = "";
  const started = must(await api("POST", "/v1/attempts", { userId: state.userId, policyId: POLICY }), "start");
  state.attemptId = started.attemptId;
  state.steps = started.steps;
  showStep(1, started.steps, started.currentFactor);
}

function after(outcome, factorId) {
  if (outcome.success && outcome.complete) {
    $("attempt").hidden = true;
    $("result").textContent = "Signed in: every step of the chain passed.";
    $("result").dataset.outcome = "complete";
  } else if (outcome.success) {
    showStep(Number($("step-number").textContent) + 1, state.steps, outcome.nextFactor);
  } else {
    $("result").textContent = `That ${factorId === "passkey" ? "passkey" : "code"} was refused; the chain starts again.`;
    $("result").dataset.outcome = "failed";
    if (outcome.nextFactor) showStep(1, state.steps, outcome.nextFactor);
  }
}

async function verifyCode() {
  const code = $("code").value.trim();
  const outcome = must(await api("POST", `/v1/attempts/${state.attemptId}/verify`, { factorId: "app", code }), "verify");
  $("code").value = "";
  after(outcome, "app");
}

async function usePasskey() {
  const challenge = must(await api("POST", `/v1/attempts/${state.attemptId}/challenge`, {}), "challenge");
  const assertion = await navigator.credentials.get({ publicKey: requestOptions(challenge.publicKey) });
  const outcome = must(
    await api("POST", `/v1/attempts/${state.attemptId}/verify`, { factorId: "passkey", response: credentialJSON(assertion) }),
    "verify",
  );
  after(outcome, "passkey");
}

$("user-form").addEventListener("submit", guarded(useUser));
$("totp-enroll").addEventListener("click", guarded(enrollTotp));
$("totp-confirm-form").addEventListener("submit", guarded(confirmTotp));
$("passkey-enroll").addEventListener("click", guarded(enrollPasskey));
$("start").addEventListener("click", guarded(start));
$("code-form").addEventListener("submit", guarded(verifyCode));
$("use-passkey").addEventListener("click", guarded(usePasskey));
setUp()
  .then(() => (document.body.dataset.ready = "true"))
  .catch(fail);
