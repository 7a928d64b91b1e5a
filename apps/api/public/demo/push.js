// The push demo page: a relying party's front end for a push step (docs/api.md, "Push approval"). It enrolls a push
// factor (the link and its QR code go to the device), issues a push for a sign-in, shows the number to pick, and
// verifies the step until the device has answered. Everything from the API is rendered as text; nothing is stored.
const $ = (id) => document.querySelector(`[data-testid="${id}"]`) ?? document.getElementById(id);
const POLICY = "demo-push";
/** How often the page asks whether the device answered. */
const POLL_MS = 1000;
const state = { apiKey: null, userId: "", attemptId: null, timer: null };

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${state.apiKey}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    cache: "no-store",
  });
  const text = await res.text();
  let data = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = { detail: `unexpected response (HTTP ${res.status})` };
  }
  return { status: res.status, data };
}
function must({ status, data }, what) {
  if (status >= 200 && status < 300) return data;
  throw new Error(`${what}: ${data?.detail ?? data?.title ?? `HTTP ${status}`}`);
}
function fail(error) {
  $("error").textContent = error instanceof Error ? error.message : String(error);
  $("error").hidden = false;
}
const guarded = (fn) => (event) => {
  event?.preventDefault();
  $("error").hidden = true;
  fn().catch(fail);
};
const factorsPath = () => `/v1/users/${encodeURIComponent(state.userId)}/factors`;
const stopTimer = () => {
  if (state.timer !== null) clearTimeout(state.timer);
  state.timer = null;
};

async function setUp() {
  state.apiKey = (await (await fetch("/demo/config.json", { cache: "no-store" })).json()).apiKey;
  const policy = {
    id: POLICY,
    name: "Push approval",
    mode: "fixed",
    requiredSteps: 1,
    factors: [{ id: "phone", label: "Phone", type: "push" }],
  };
  const created = await api("POST", "/v1/policies", policy);
  if (created.status !== 201 && created.data?.code !== "policy_exists") must(created, "policy");
  $("policy-id").textContent = POLICY;
  await useUser();
}

async function deviceStatus() {
  const { factors } = must(await api("GET", factorsPath()), "factors");
  const push = factors.find((f) => f.factorId === "phone" && f.status === "active");
  return push ? `enrolled (${push.pushDevice?.name ?? "device"})` : "not enrolled";
}

async function useUser() {
  stopTimer();
  state.userId = $("user-id").value.trim();
  $("current-user").textContent = state.userId;
  $("push-status").textContent = await deviceStatus();
  $("attempt").hidden = true;
  $("result").hidden = true;
}

async function enroll() {
  stopTimer();
  const enrolled = must(await api("POST", factorsPath(), { policyId: POLICY, factorId: "phone" }), "enroll");
  $("push-qr").src = enrolled.qr.png;
  $("push-command").textContent = `pnpm push-device enroll '${enrolled.enrollmentLink}'`;
  $("push-setup").hidden = false;
  $("push-waiting").textContent = "Waiting for the device's signed proof…";
  const waitForProof = async () => {
    const status = await deviceStatus();
    if (status.startsWith("enrolled")) {
      $("push-status").textContent = status;
      $("push-waiting").textContent = "The device is enrolled.";
      // Shown once: the link's token is spent now anyway.
      $("push-command").textContent = "";
      $("push-qr").removeAttribute("src");
      return;
    }
    state.timer = setTimeout(() => waitForProof().catch(fail), POLL_MS);
  };
  await waitForProof();
}

async function start() {
  stopTimer();
  $("result").hidden = true;
  $("attempt").hidden = true;
  $("push-number").textContent = "–";
  $("push-state").textContent = "";
  const attempt = must(await api("POST", "/v1/attempts", { userId: state.userId, policyId: POLICY }), "start");
  state.attemptId = attempt.attemptId;
  const issued = must(await api("POST", `/v1/attempts/${encodeURIComponent(state.attemptId)}/challenge`), "push");
  $("attempt").hidden = false;
  $("push-number").textContent = String(issued.push.number);
  $("push-state").textContent = "Waiting for the device's answer…";
  const challengeId = issued.push.challengeId;
  const check = async () => {
    const { status, data } = await api("POST", `/v1/attempts/${encodeURIComponent(state.attemptId)}/verify`, {
      factorId: "phone",
      code: challengeId,
    });
    if (status === 409 && data.code === "push_answer_pending") {
      state.timer = setTimeout(() => check().catch(fail), POLL_MS);
      return;
    }
    $("attempt").hidden = true;
    $("result").hidden = false;
    if (status === 200 && data.success) $("result").textContent = "Signed in: the device approved with the right number.";
    else if (status === 200)
      $("result").textContent = `Refused: denied, or the wrong number (a failure; ${data.failuresRemaining} left before a lockout).`;
    else $("result").textContent = `Refused: ${data.detail ?? `HTTP ${status}`}`;
  };
  await check();
}

$("user-form").addEventListener("submit", guarded(useUser));
$("push-enroll").addEventListener("click", guarded(enroll));
$("start").addEventListener("click", guarded(start));
setUp().catch(fail);
