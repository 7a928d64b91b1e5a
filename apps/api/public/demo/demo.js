// The demo page: talks to the API like any relying party would, with the demo tenant's key.
// Everything that comes from the API (labels, ids, messages) is rendered as text, never as markup. Nothing secret
// (the key, an enrollment secret, a code) is logged, to the console or to the page's log, or kept in storage: backup
// codes live in the page only while shown, once, after they are generated.
const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;

const state = {
  config: null,
  /** The main demo policy (its summary is shown); `policies` holds it and the email policy, by id. */
  policy: null,
  policies: new Map(),
  /** The user the page acts for (applied from the input, not read from it on every call). */
  user: "",
  /** factorId → { factor, row, credentialId, status } */
  factors: new Map(),
  /** { id, steps, passed: factor[], current: factor } while an attempt is in progress. */
  attempt: null,
  /** ms since the epoch, while the user is locked. */
  lockedUntil: null,
  lockTimer: null,
  busy: 0,
  /** Where the focus goes once the running action is over (set by focusSoon). */
  focusAfter: null,
  /** The last attempt completed in this page, for "remember this device" (the API allows it for 5 minutes). */
  completed: null,
  /** { id, token, expiresAt } once this browser is remembered: in this page's memory only, never stored. */
  device: null,
};

async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${state.config.apiKey}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      cache: "no-store",
    });
  } catch {
    return { status: 0, data: { detail: "the API is not reachable" } };
  }
  const text = await res.text();
  let data = {};
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: `unexpected response (HTTP ${res.status})` };
    }
  }
  return { status: res.status, data };
}

const problemText = (data, status) => data?.detail ?? data?.title ?? `request failed (HTTP ${status})`;

function log(text, kind = "") {
  const li = document.createElement("li");
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  if (kind) li.className = kind;
  $("log").prepend(li);
}

function setStatus(text, kind = "", stateName = kind) {
  const el = $("attempt-status");
  el.textContent = text;
  el.className = kind;
  el.dataset.state = stateName;
}

function setRowStatus(entry, text, kind = "") {
  const el = entry.row.querySelector(".row-status");
  el.textContent = text;
  el.className = `row-status ${kind}`;
}

const factorName = (f) => `${f.label} (${f.id})`;
/** A slot passed by any unused code of a set shown once (active at once; no QR code, nothing to confirm). */
const isBackupCodes = (f) => f?.type === "backup_code";
/** A slot whose codes are sent to a destination (email, SMS): enrolled with the address, each step sends a code. */
const isOutOfBand = (f) => f?.type === "email" || f?.type === "sms";
const channelName = (f) => (f?.type === "sms" ? "text message" : "email");
const timeOf = (iso) => new Date(iso).toLocaleTimeString();

/** Runs one user action with the controls disabled, so a double click cannot send a code twice. */
async function busy(action) {
  state.busy += 1;
  updateControls();
  try {
    await action();
  } catch (error) {
    setStatus(`Something went wrong: ${error?.message ?? error}`, "fail", "error");
  } finally {
    state.busy -= 1;
    updateControls();
    // A control the action moved to, disabled while it ran (a button), gets the focus once the controls are back.
    if (state.busy === 0 && state.focusAfter) {
      const target = state.focusAfter;
      state.focusAfter = null;
      if (!target.disabled && !target.closest("[hidden]")) target.focus();
    }
  }
}

/** Moves the focus to `el`, at once or, while an action runs, once the controls are enabled again. */
function focusSoon(el) {
  if (state.busy > 0) state.focusAfter = el;
  else el.focus();
}

function updateControls() {
  const locked = state.lockedUntil !== null;
  const working = state.busy > 0;
  $("start-attempt").disabled = locked || working || !state.policy;
  $("verify").disabled = locked || working;
  $("send-code").disabled = locked || working;
  $("decide").disabled = working;
  $("decision-chain").disabled = locked || working;
  $("remember-device").disabled = working;
  $("forget-device").disabled = working;
  $("outbox-refresh").disabled = working;
  $("verify-code").disabled = locked;
  $("user-apply").disabled = working;
  for (const entry of state.factors.values()) {
    // Backup codes can be generated anew (the old set stops working); an active authenticator cannot be re-enrolled here.
    entry.row.querySelector(".enroll").disabled = working || (entry.status === "active" && !isBackupCodes(entry.factor));
    entry.row.querySelector(".confirm-button").disabled = working || locked;
  }
}

// ---- lockout ------------------------------------------------------------------------------------------------------

function formatRemaining(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function showLock(lockedUntilIso) {
  const until = Date.parse(lockedUntilIso ?? "");
  if (!Number.isFinite(until) || until <= Date.now()) return clearLock();
  const wasLocked = state.lockedUntil !== null;
  state.lockedUntil = until;
  $("lockout").hidden = false;
  $("lockout-until").dateTime = new Date(until).toISOString();
  $("lockout-until").textContent = new Date(until).toLocaleTimeString();
  tickLock();
  clearInterval(state.lockTimer);
  state.lockTimer = setInterval(tickLock, 1000);
  if (!wasLocked) log(`${state.user} is locked for ${formatRemaining(until - Date.now())}`, "fail");
  updateControls();
}

function tickLock() {
  if (state.lockedUntil === null) return;
  const remaining = state.lockedUntil - Date.now();
  if (remaining <= 0) {
    clearLock();
    log(`the lock of ${state.user} has expired`);
    return;
  }
  $("lockout-remaining").textContent = formatRemaining(remaining);
}

function clearLock() {
  clearInterval(state.lockTimer);
  state.lockTimer = null;
  state.lockedUntil = null;
  $("lockout").hidden = true;
  $("lockout-remaining").textContent = "–";
  updateControls();
}

async function refreshLockout() {
  const user = state.user;
  const { status, data } = await api("GET", `/v1/users/${enc(user)}/lockout`);
  if (user !== state.user || status !== 200) return;
  if (data.locked) showLock(data.lockedUntil);
  else clearLock();
}

async function unlock() {
  const user = state.user;
  const { status, data } = await api("POST", `/v1/users/${enc(user)}/unlock`);
  if (user !== state.user) return;
  if (status !== 200) return void setStatus(problemText(data, status), "fail", "error");
  clearLock();
  setStatus(`${user} was unlocked.`, "ok", "unlocked");
  log(`${user} unlocked`, "ok");
}

// ---- policy and enrollment ----------------------------------------------------------------------------------------

async function fetchPolicy(policyId) {
  const { status, data } = await api("GET", `/v1/policies/${enc(policyId)}`);
  if (status !== 200) throw new Error(problemText(data, status));
  return data;
}

async function loadPolicy() {
  const data = await fetchPolicy(state.config.policyId);
  state.policy = data;
  state.policies.clear();
  state.policies.set(data.id, data);
  if (state.config.emailPolicyId) {
    const email = await fetchPolicy(state.config.emailPolicyId);
    state.policies.set(email.id, email);
  }
  $("policy-id").textContent = data.id;
  const order = data.mode === "random" ? "random order" : "fixed order";
  const lock = data.lockout?.maxFailures ? `; locks after ${data.lockout.maxFailures} wrong codes in a row` : "";
  $("policy-summary").textContent = `${data.name}: ${data.requiredSteps} of ${data.factors.length} factors, ${order}${lock}`;
  const container = $("factors");
  container.replaceChildren();
  state.factors.clear();
  // One row per slot id across the policies: a credential passes every slot of its id and kind, in any policy.
  for (const policy of state.policies.values()) {
    for (const factor of policy.factors) {
      if (state.factors.has(factor.id)) continue;
      const entry = { factor, policyId: policy.id, row: renderFactor(factor, policy), credentialId: null, status: "unknown" };
      state.factors.set(factor.id, entry);
      container.append(entry.row);
    }
  }
  const select = $("sign-in-policy");
  select.replaceChildren(
    ...[...state.policies.values()].map((p) => {
      const option = document.createElement("option");
      option.value = p.id;
      option.textContent = `${p.id}: ${p.name}`;
      return option;
    }),
  );
  select.value = data.id;
}

function renderFactor(factor, policy) {
  const row = $("factor-template").content.firstElementChild.cloneNode(true);
  if (policy.id !== state.policy.id) {
    row.querySelector(".policy-line").hidden = false;
    row.querySelector(".policy-name").textContent = policy.id;
  }
  if (isOutOfBand(factor)) {
    const line = row.querySelector(".destination-line");
    line.hidden = false;
    if (factor.type === "sms") {
      line.querySelector(".destination-label").firstChild.textContent = "Phone number (E.164) ";
      line.querySelector(".destination").type = "tel";
      line.querySelector(".destination").autocomplete = "tel";
    }
    const code = row.querySelector(".confirm-code");
    code.setAttribute("aria-label", `Code from the ${channelName(factor)}`);
    code.placeholder = `code from the ${channelName(factor)}`;
    row.querySelector(".app-instructions").hidden = true;
    row.querySelector(".secret-line").hidden = true;
  }
  row.dataset.factorId = factor.id;
  row.dataset.testid = `factor-${factor.id}`;
  // Labels come from the tenant's policy: text, never markup.
  for (const el of row.querySelectorAll(".label")) el.textContent = factor.label;
  row.querySelector(".factor-id").textContent = factor.id;
  row.querySelector(".type").textContent = factor.type;
  row.querySelector(".qr-image").alt = `QR code for ${factorName(factor)}`;
  row.querySelector(".enroll").addEventListener("click", () => busy(() => enroll(factor.id)));
  row.querySelector(".codes-saved").addEventListener("click", () => {
    const entry = state.factors.get(factor.id);
    clearCodes(entry);
    setRowStatus(entry, "The codes are hidden and cannot be shown again. Lost them? Generate new codes.");
  });
  row.querySelector(".confirm").addEventListener("submit", (e) => {
    e.preventDefault();
    busy(() => confirmEnrollment(factor.id));
  });
  return row;
}

/** Forgets a shown enrollment: the secret and the QR code leave the page. */
function clearEnrollment(entry) {
  entry.credentialId = null;
  const img = entry.row.querySelector(".qr-image");
  img.hidden = true;
  img.removeAttribute("src");
  entry.row.querySelector(".secret").textContent = "";
  entry.row.querySelector(".sent-instructions").textContent = "";
  entry.row.querySelector(".confirm-code").value = "";
  entry.row.querySelector(".enrollment").hidden = true;
  clearCodes(entry);
}

/** Forgets shown backup codes: they leave the page for good (the API keeps only their hashes). */
function clearCodes(entry) {
  entry.row.querySelector(".codes").replaceChildren();
  entry.row.querySelector(".backup-codes").hidden = true;
}

function showCodes(entry, codes) {
  const items = codes.map((code) => {
    const li = document.createElement("li");
    li.textContent = code;
    return li;
  });
  entry.row.querySelector(".codes").replaceChildren(...items);
  entry.row.querySelector(".backup-codes").hidden = false;
}

async function refreshFactors() {
  const user = state.user;
  const { status, data } = await api("GET", `/v1/users/${enc(user)}/factors`);
  if (user !== state.user || status !== 200) return;
  for (const entry of state.factors.values()) {
    const mine = data.factors.filter((f) => f.factorId === entry.factor.id && f.status !== "revoked");
    entry.status = mine.some((f) => f.status === "active") ? "active" : mine.length ? "pending" : "none";
    const el = entry.row.querySelector(".status");
    el.textContent = { active: "active", pending: "pending confirmation", none: "not enrolled" }[entry.status];
    el.className = `status status-${entry.status}`;
    el.dataset.state = entry.status;
    const active = mine.find((f) => f.status === "active");
    const remaining = entry.row.querySelector(".remaining");
    const left = active?.remaining;
    remaining.textContent = typeof left !== "number" ? "" : left === 0 ? "(no unused codes left: generate new ones)" : `(${left} unused ${left === 1 ? "code" : "codes"} left)`;
    const button = entry.row.querySelector(".enroll");
    if (isBackupCodes(entry.factor)) button.textContent = entry.status === "active" ? "Generate new codes" : "Generate codes";
    else if (isOutOfBand(entry.factor)) {
      button.textContent = entry.status === "active" ? "Enrolled" : entry.credentialId ? "Send a new code" : "Send a code";
      // The address is asked for while enrolling only: once active, the factor keeps it (sealed).
      entry.row.querySelector(".destination-line").hidden = entry.status === "active";
    }
    // A pending enrollment whose secret is no longer on the page (reloaded, other user) can only be redone.
    else button.textContent = entry.status === "active" ? "Enrolled" : entry.credentialId ? "New secret" : entry.status === "pending" ? "Enroll again" : "Enroll";
  }
  updateControls();
}

async function enroll(factorId) {
  const entry = state.factors.get(factorId);
  if (isBackupCodes(entry.factor) && entry.status === "active") {
    if (!window.confirm(`Generate new backup codes for ${state.user}? The current codes stop working at once.`)) return;
  }
  const user = state.user;
  const body = { policyId: entry.policyId, factorId };
  if (isOutOfBand(entry.factor)) {
    const destination = entry.row.querySelector(".destination");
    if (!destination.value.trim()) {
      setRowStatus(entry, `Enter the ${entry.factor.type === "sms" ? "phone number" : "email address"} first.`, "fail");
      return void destination.focus();
    }
    body.destination = destination.value.trim();
  }
  const { status, data } = await api("POST", `/v1/users/${enc(user)}/factors`, body);
  if (user !== state.user) return;
  if (status !== 201) {
    if (status === 423) showLock(data.lockedUntil);
    setRowStatus(entry, problemText(data, status), "fail");
    return log(`enroll ${factorId}: ${problemText(data, status)}`, "fail");
  }
  if (Array.isArray(data.codes)) {
    // Active at once; the codes are in this one response and nowhere else (never logged or stored).
    clearEnrollment(entry);
    showCodes(entry, data.codes);
    setRowStatus(entry, `${data.codes.length} backup codes generated and active.`, "ok");
    log(`generated ${data.codes.length} backup codes for ${user} (shown once; any earlier set no longer works)`, "ok");
    await refreshFactors();
    entry.row.querySelector(".codes-saved").focus();
    return;
  }
  entry.credentialId = data.factor.id;
  if (isOutOfBand(entry.factor)) {
    // A code went to the destination (shown masked, as the API answers it); the outbox lists it in demo mode.
    const before = data.confirmBefore ? ` before ${timeOf(data.confirmBefore)}` : "";
    const where = state.config.outbox ? " (see the development outbox below)" : "";
    entry.row.querySelector(".sent-instructions").textContent = `A code was sent to ${data.destination}${where}. Enter it${before}.`;
    entry.row.querySelector(".sent-instructions").hidden = false;
    entry.row.querySelector(".enrollment").hidden = false;
    setRowStatus(entry, `Code sent to ${data.destination}.`);
    log(`enrolled ${factorId} for ${user} (pending confirmation; code sent to ${data.destination})`);
    await Promise.all([refreshFactors(), refreshOutbox()]);
    entry.row.querySelector(".confirm-code").focus();
    return;
  }
  const img = entry.row.querySelector(".qr-image");
  img.src = data.qr.png;
  img.alt = `QR code for ${factorName(entry.factor)}`;
  img.hidden = false;
  entry.row.querySelector(".secret").textContent = data.secret;
  entry.row.querySelector(".enrollment").hidden = false;
  const before = data.confirmBefore ? ` before ${new Date(data.confirmBefore).toLocaleTimeString()}` : "";
  setRowStatus(entry, `Scan the QR code, then confirm with a code from the app${before}.`);
  log(`enrolled ${factorId} for ${user} (pending confirmation)`);
  await refreshFactors();
  entry.row.querySelector(".confirm-code").focus();
}

async function confirmEnrollment(factorId) {
  const entry = state.factors.get(factorId);
  if (!entry.credentialId) return;
  const input = entry.row.querySelector(".confirm-code");
  const code = input.value.trim();
  input.value = "";
  const user = state.user;
  const path = `/v1/users/${enc(user)}/factors/${enc(entry.credentialId)}/confirm`;
  const { status, data } = await api("POST", path, { code });
  if (user !== state.user) return;
  if (status === 200 && data.confirmed) {
    clearEnrollment(entry);
    entry.row.querySelector(".destination").value = "";
    setRowStatus(entry, `Confirmed: ${entry.factor.label} is ready.`, "ok");
    log(`confirmed ${factorId}`, "ok");
  } else if (status === 200) {
    setRowStatus(entry, `Wrong code: ${data.failuresRemaining} tries left.`, "fail");
    log(`confirm ${factorId}: wrong code (${data.failuresRemaining} tries left)`, "fail");
    if (data.lockedUntil) showLock(data.lockedUntil);
  } else {
    if (status === 423) showLock(data.lockedUntil);
    if (status === 410 || status === 409) clearEnrollment(entry);
    setRowStatus(entry, problemText(data, status), "fail");
    log(`confirm ${factorId}: ${problemText(data, status)}`, "fail");
  }
  await refreshFactors();
}

// ---- the chain ----------------------------------------------------------------------------------------------------

function renderAttempt() {
  const a = state.attempt;
  $("attempt").hidden = !a;
  if (!a) return;
  const progress = $("progress");
  progress.replaceChildren();
  for (let i = 0; i < a.steps; i++) {
    const li = document.createElement("li");
    if (i < a.passed.length) {
      li.className = "passed";
      li.textContent = `✓ ${factorName(a.passed[i])}`;
    } else if (i === a.passed.length) {
      li.className = "current";
      li.setAttribute("aria-current", "step");
      li.textContent = factorName(a.current);
    } else {
      li.className = "future";
      li.textContent = "revealed when you get there";
    }
    progress.append(li);
  }
  $("attempt").dataset.factorId = a.current.id;
  $("step-number").textContent = String(a.passed.length + 1);
  $("step-count").textContent = String(a.steps);
  $("current-label").textContent = a.current.label;
  $("current-id").textContent = a.current.id;
  const backup = isBackupCodes(a.current);
  const outOfBand = isOutOfBand(a.current);
  $("attempt").dataset.factorType = a.current.type;
  $("step-prompt").textContent = backup
    ? "enter one unused code of your"
    : outOfBand
      ? `send the code, then enter the code from the ${channelName(a.current)} of your`
      : "enter the code from";
  $("challenge").hidden = !outOfBand;
  if (a.challengedStep !== a.passed.length) {
    $("send-code").textContent = "Send the code";
    $("challenge-status").textContent = "";
  }
  const input = $("verify-code");
  // A backup code is 15 letters and digits, typed with or without its hyphens; never offered for autofill.
  input.inputMode = backup ? "text" : "numeric";
  input.autocomplete = backup ? "off" : "one-time-code";
  input.maxLength = backup ? 45 : 8;
  input.placeholder = backup ? "XXXXX-XXXXX-XXXXX" : "123456";
  input.value = "";
  if (state.lockedUntil === null) focusSoon(outOfBand && a.challengedStep !== a.passed.length ? $("send-code") : $("verify-code"));
}

/** Sends a code for the current step (email, SMS): the challenge phase. Calling it again sends a new code. */
async function sendCode() {
  const a = state.attempt;
  if (!a || !isOutOfBand(a.current)) return;
  const { status, data } = await api("POST", `/v1/attempts/${enc(a.id)}/challenge`, {});
  if (a !== state.attempt) return;
  if (status === 200) {
    a.challengedStep = a.passed.length;
    const expires = data.expiresAt ? `; it expires at ${timeOf(data.expiresAt)}` : "";
    $("challenge-status").textContent = `Code sent to ${data.destination}${expires}.`;
    $("send-code").textContent = "Send a new code";
    log(`code sent for step ${a.passed.length + 1} (${a.current.id}) to ${data.destination}`);
    await refreshOutbox();
    focusSoon($("verify-code"));
    return;
  }
  if (status === 423) showLock(data.lockedUntil);
  const retry = status === 429 && data.retryAt ? ` Try again after ${timeOf(data.retryAt)}.` : "";
  $("challenge-status").textContent = `${problemText(data, status)}.${retry}`;
  log(`send code: ${problemText(data, status)}`, "fail");
}

function endAttempt() {
  state.attempt = null;
  renderAttempt();
}

const signInPolicy = () => state.policies.get($("sign-in-policy").value) ?? state.policy;

function missingForStart() {
  const p = signInPolicy();
  const active = [...state.factors.values()].filter((e) => e.status === "active");
  if (p.mode === "random") {
    if (active.length >= p.requiredSteps) return null;
    return `Enroll and confirm at least ${p.requiredSteps} factors first (${active.length} so far).`;
  }
  const missing = p.factors.slice(0, p.requiredSteps).filter((f) => state.factors.get(f.id)?.status !== "active");
  return missing.length ? `Enroll and confirm ${missing.map(factorName).join(" and ")} first.` : null;
}

async function startAttempt() {
  await refreshFactors();
  const missing = missingForStart();
  if (missing) return void setStatus(missing, "fail", "not-enrolled");
  const user = state.user;
  const policyId = signInPolicy().id;
  const { status, data } = await api("POST", "/v1/attempts", { userId: user, policyId });
  if (user !== state.user) return;
  if (status !== 201) {
    if (status === 423) showLock(data.lockedUntil);
    setStatus(problemText(data, status), "fail", status === 423 ? "locked" : "error");
    return log(`start: ${problemText(data, status)}`, "fail");
  }
  state.attempt = { id: data.attemptId, policyId, steps: data.steps, passed: [], current: data.currentFactor, challengedStep: null };
  renderAttempt();
  setStatus(`Attempt started for ${user}: ${data.steps} steps. Step 1: ${factorName(data.currentFactor)}.`, "", "started");
  log(`attempt started for ${user}; step 1 is ${data.currentFactor.id}`);
}

async function verify() {
  const a = state.attempt;
  if (!a) return;
  const code = $("verify-code").value.trim();
  $("verify-code").value = "";
  const submitted = a.current;
  const { status, data } = await api("POST", `/v1/attempts/${enc(a.id)}/verify`, { factorId: submitted.id, code });
  // A backup code passed is used up: show how many remain.
  if (a === state.attempt && isBackupCodes(submitted) && data.success) await refreshFactors();
  if (a !== state.attempt) return;
  if ((status === 200 || status === 409) && typeof data.success === "boolean") {
    if (data.success && data.complete) {
      a.passed.push(a.current);
      endAttempt();
      state.completed = { attemptId: a.id, user: state.user };
      $("remember-device").hidden = false;
      setStatus(`Chain complete: ${state.user} is authenticated (${a.steps} of ${a.steps} steps).`, "ok", "complete");
      return log("chain complete", "ok");
    }
    if (data.success) {
      const passed = a.current;
      a.passed.push(passed);
      a.current = data.nextFactor;
      renderAttempt();
      setStatus(`Step ${a.passed.length} passed (${passed.label}). Next: step ${a.passed.length + 1}, ${factorName(a.current)}.`, "ok", "passed");
      return log(`step ${a.passed.length} passed; next is ${a.current.id}`, "ok");
    }
    const why =
      status === 409 ? "That factor is not the current step" : isBackupCodes(submitted) ? "Wrong or already used backup code" : "Wrong code";
    if (!data.nextFactor) {
      endAttempt();
      setStatus(`${why}: this attempt is over; start a new one.`, "fail", "reset");
    } else {
      a.passed = [];
      a.current = data.nextFactor;
      a.challengedStep = null;
      renderAttempt();
      const tries = data.lockedUntil ? "The user is now locked." : `${data.failuresRemaining} tries left before a lock.`;
      setStatus(`${why}: the chain was reset to step 1, ${factorName(a.current)}. ${tries}`, "fail", "reset");
    }
    log(`failure: chain reset to step 1 (${data.nextFactor?.id ?? "none"})`, "fail");
    if (data.lockedUntil) showLock(data.lockedUntil);
    return;
  }
  if (status === 423) {
    showLock(data.lockedUntil);
    setStatus("Locked: wait until the lock expires, then continue from step 1.", "fail", "locked");
    return log(`verify: ${problemText(data, status)}`, "fail");
  }
  if (status === 404 || status === 409 || status === 410) endAttempt();
  const hint = status === 410 ? " Start a new attempt." : "";
  setStatus(`${problemText(data, status)}.${hint}`, "fail", "error");
  log(`verify: ${problemText(data, status)}`, "fail");
}

// ---- sign-in decisions and remembered devices ---------------------------------------------------------------------

function showDevice() {
  const d = state.device;
  $("device-status").textContent = d
    ? `This browser is a remembered device of ${state.user} (${d.id}, until ${new Date(d.expiresAt).toLocaleString()}); its token is in this page only and changes at every decision.`
    : "No remembered device in this page.";
  $("device-status").dataset.state = d ? "remembered" : "none";
  $("forget-device").hidden = !d;
}

function forgetDevice() {
  state.device = null;
  state.completed = null;
  $("remember-device").hidden = true;
  showDevice();
}

async function decide() {
  const user = state.user;
  const ip = $("decision-ip").value.trim();
  const action = $("decision-action").value;
  const sent = state.device;
  const context = { ip, userAgent: navigator.userAgent, ...(sent ? { deviceToken: sent.token } : {}), ...(action ? { action } : {}) };
  const { status, data } = await api("POST", "/v1/decisions", { userId: user, context });
  if (user !== state.user) return;
  if (status !== 200) {
    setStatus(problemText(data, status), "fail", "error");
    return log(`decision: ${problemText(data, status)}`, "fail");
  }
  if (data.device) state.device = { id: data.device.id, token: data.device.token, expiresAt: data.device.expiresAt };
  else if (sent) {
    state.device = null;
    log("the device token was refused (used already, revoked or expired): a new device again", "fail");
  }
  showDevice();
  $("decision").hidden = false;
  $("decision").dataset.require = data.require;
  $("decision-require").textContent = data.require;
  $("decision-policy").textContent = data.policyId ?? "–";
  $("decision-reasons").textContent = data.reasons.join(", ");
  $("decision-chain").hidden = data.require !== "chain";
  const grace = data.graceEndsAt ? ` (grace period until ${new Date(data.graceEndsAt).toLocaleString()})` : "";
  log(`decision for ${user}: ${data.require}${data.policyId ? ` with ${data.policyId}` : ""} (${data.reasons.join(", ")})${grace}`);
  if (data.require === "chain") focusSoon($("decision-chain"));
}

/** Starts the chain the decision asked for, in the sign-in section. */
async function passDecidedChain() {
  const policyId = $("decision-policy").textContent;
  if (!state.policies.has(policyId)) return void setStatus(`The decision names policy ${policyId}, which this page does not show.`, "fail", "error");
  $("sign-in-policy").value = policyId;
  await startAttempt();
}

async function rememberDevice() {
  const done = state.completed;
  if (!done || done.user !== state.user) return;
  const ip = $("decision-ip").value.trim();
  const { status, data } = await api("POST", "/v1/devices", { attemptId: done.attemptId, label: "Demo browser", ...(ip ? { ip } : {}) });
  if (done.user !== state.user) return;
  if (status !== 201) {
    setStatus(problemText(data, status), "fail", "error");
    return log(`remember device: ${problemText(data, status)}`, "fail");
  }
  state.completed = null;
  $("remember-device").hidden = true;
  state.device = { id: data.device.id, token: data.deviceToken, expiresAt: data.device.expiresAt };
  showDevice();
  log(`remembered this browser as ${data.device.id} for ${done.user}`, "ok");
}

// ---- the development outbox ---------------------------------------------------------------------------------------

async function refreshOutbox() {
  if (!state.config.outbox) return;
  const { status, data } = await api("GET", "/v1/dev/outbox");
  if (status !== 200) return log(`outbox: ${problemText(data, status)}`, "fail");
  const items = data.messages.slice(0, 20).map((m) => {
    const li = document.createElement("li");
    li.dataset.to = m.to;
    li.dataset.kind = m.kind;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = `${timeOf(m.acceptedAt)} · ${m.channel} to ${m.to}`;
    const subject = document.createElement("strong");
    subject.textContent = m.subject ?? "";
    const text = document.createElement("pre");
    text.dataset.testid = "outbox-text";
    text.textContent = m.text;
    li.append(meta, ...(m.subject ? [subject] : []), text);
    return li;
  });
  $("outbox").replaceChildren(...items);
  $("outbox-empty").hidden = items.length > 0;
}

// ---- the user -----------------------------------------------------------------------------------------------------

async function useUser() {
  const id = $("user-id").value.trim();
  if (!id) return;
  if (id !== state.user) {
    state.user = id;
    $("current-user").textContent = id;
    endAttempt();
    clearLock();
    setStatus("");
    for (const entry of state.factors.values()) {
      clearEnrollment(entry);
      setRowStatus(entry, "");
    }
    // A device token is the user's: another user starts as a new device.
    forgetDevice();
    $("decision").hidden = true;
    log(`acting for user ${id}`);
  }
  await Promise.all([refreshFactors(), refreshLockout()]);
}

async function main() {
  const res = await fetch("/demo/config.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`no demo configuration (HTTP ${res.status})`);
  state.config = await res.json();
  $("user-form").addEventListener("submit", (e) => {
    e.preventDefault();
    busy(useUser);
  });
  $("user-id").addEventListener("change", () => busy(useUser));
  $("start-attempt").addEventListener("click", () => busy(startAttempt));
  $("verify-form").addEventListener("submit", (e) => {
    e.preventDefault();
    busy(verify);
  });
  $("unlock").addEventListener("click", () => busy(unlock));
  $("send-code").addEventListener("click", () => busy(sendCode));
  $("decision-form").addEventListener("submit", (e) => {
    e.preventDefault();
    busy(decide);
  });
  $("decision-chain").addEventListener("click", () => busy(passDecidedChain));
  $("remember-device").addEventListener("click", () => busy(rememberDevice));
  $("forget-device").addEventListener("click", () => {
    forgetDevice();
    log("forgot the device token: this browser is a new device again");
  });
  $("outbox-refresh").addEventListener("click", () => busy(refreshOutbox));
  $("outbox-section").hidden = !state.config.outbox;
  await loadPolicy();
  await useUser();
  await refreshOutbox();
  document.body.dataset.ready = "true";
}

main().catch((error) => {
  setStatus(`The demo failed to load: ${error.message}`, "fail", "error");
  log(`demo failed to load: ${error.message}`, "fail");
});
