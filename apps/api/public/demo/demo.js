// The demo page: talks to the API like any relying party would, with the demo tenant's key.
const $ = (id) => document.getElementById(id);
let config;
let attempt = null;

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${config.apiKey}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = res.status === 204 ? null : await res.json();
  return { status: res.status, data };
}

function log(text, kind = "") {
  const li = document.createElement("li");
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  if (kind) li.className = kind;
  $("log").prepend(li);
}

function setStatus(text, kind) {
  const el = $("attempt-status");
  el.textContent = text;
  el.className = kind ?? "";
}

const userId = () => $("user-id").value.trim();

async function loadPolicy() {
  const { data } = await api("GET", `/v1/policies/${config.policyId}`);
  $("policy-id").textContent = data.id;
  $("policy-summary").textContent = `${data.mode} order, ${data.requiredSteps} of ${data.factors.length} factors`;
  const container = $("factors");
  container.replaceChildren();
  for (const factor of data.factors) container.append(renderFactor(factor));
  await refreshFactors();
}

function renderFactor(factor) {
  const row = document.createElement("div");
  row.className = "factor";
  row.dataset.factorId = factor.id;
  row.innerHTML = `
    <div><img alt="" hidden></div>
    <div>
      <h3><span class="label"></span> <small>(<code class="id"></code>, <span class="type"></span>)</small></h3>
      <p>Status: <span class="status">not enrolled</span></p>
      <button type="button" class="enroll">Enroll</button>
      <p class="secret-line" hidden>Secret (shown once): <span class="secret"></span></p>
      <form class="confirm" hidden>
        <input class="confirm-code" inputmode="numeric" maxlength="8" placeholder="code from the app" required>
        <button type="submit">Confirm</button>
      </form>
    </div>`;
  // Labels come from the tenant's policy: text, never markup.
  row.querySelector("img").alt = `QR code for ${factor.label}`;
  row.querySelector(".label").textContent = factor.label;
  row.querySelector(".id").textContent = factor.id;
  row.querySelector(".type").textContent = factor.type;
  row.querySelector(".enroll").addEventListener("click", () => enroll(factor, row));
  row.querySelector(".confirm").addEventListener("submit", (e) => {
    e.preventDefault();
    confirm(factor, row);
  });
  return row;
}

async function refreshFactors() {
  const { status, data } = await api("GET", `/v1/users/${encodeURIComponent(userId())}/factors`);
  if (status !== 200) return;
  for (const row of document.querySelectorAll(".factor")) {
    const mine = data.factors.filter((f) => f.factorId === row.dataset.factorId && f.status !== "revoked");
    const active = mine.find((f) => f.status === "active");
    const el = row.querySelector(".status");
    el.textContent = active ? "active" : mine.length ? "pending confirmation" : "not enrolled";
    el.className = `status ${active ? "status-active" : mine.length ? "status-pending" : ""}`;
  }
}

async function enroll(factor, row) {
  const { status, data } = await api("POST", `/v1/users/${encodeURIComponent(userId())}/factors`, { policyId: config.policyId, factorId: factor.id });
  if (status !== 201) return log(`enroll ${factor.id}: ${data.detail}`, "fail");
  row.dataset.credentialId = data.factor.id;
  const img = row.querySelector("img");
  img.src = data.qr.png;
  img.hidden = false;
  row.querySelector(".secret").textContent = data.secret;
  row.querySelector(".secret-line").hidden = false;
  row.querySelector(".confirm").hidden = false;
  log(`enrolled ${factor.id} (pending): scan the QR code, then confirm with a code`);
  await refreshFactors();
}

async function confirm(factor, row) {
  const code = row.querySelector(".confirm-code").value.trim();
  const path = `/v1/users/${encodeURIComponent(userId())}/factors/${row.dataset.credentialId}/confirm`;
  const { status, data } = await api("POST", path, { code });
  if (status === 200 && data.confirmed) {
    log(`confirmed ${factor.id}`, "ok");
    row.querySelector(".confirm").hidden = true;
    row.querySelector(".secret-line").hidden = true;
    row.querySelector("img").hidden = true;
  } else if (status === 200) {
    log(`confirm ${factor.id}: wrong code (${data.failuresRemaining} tries left)`, "fail");
  } else {
    log(`confirm ${factor.id}: ${data.detail}`, "fail");
  }
  await refreshFactors();
}

function showStep(factor, stepIndex) {
  $("attempt").hidden = false;
  $("step-number").textContent = String(stepIndex + 1);
  $("current-label").textContent = factor.label;
  $("current-id").textContent = factor.id;
  $("verify-code").value = "";
  $("verify-code").focus();
}

async function startAttempt() {
  const { status, data } = await api("POST", "/v1/attempts", { userId: userId(), policyId: config.policyId });
  if (status !== 201) {
    setStatus(data.detail, "fail");
    return log(`start: ${data.detail}`, "fail");
  }
  attempt = { id: data.attemptId, steps: data.steps, step: 0, current: data.currentFactor };
  $("step-count").textContent = String(data.steps);
  showStep(data.currentFactor, 0);
  setStatus(`Attempt started: ${data.steps} steps.`);
  log(`attempt started; step 1 is ${data.currentFactor.id}`);
}

async function verify(event) {
  event.preventDefault();
  if (!attempt) return;
  const code = $("verify-code").value.trim();
  const { status, data } = await api("POST", `/v1/attempts/${attempt.id}/verify`, { factorId: attempt.current.id, code });
  if ((status === 200 || status === 409) && "success" in data) {
    if (data.success && data.complete) {
      $("attempt").hidden = true;
      setStatus("Chain complete: authenticated.", "ok");
      log("chain complete", "ok");
      attempt = null;
      return;
    }
    if (data.success) {
      attempt.step += 1;
      attempt.current = data.nextFactor;
      showStep(data.nextFactor, attempt.step);
      setStatus(`Step ${attempt.step} passed. Next: ${data.nextFactor.label}.`, "ok");
      log(`step passed; next is ${data.nextFactor.id}`, "ok");
      return;
    }
    attempt.step = 0;
    attempt.current = data.nextFactor;
    showStep(data.nextFactor, 0);
    const locked = data.lockedUntil ? ` Locked until ${new Date(data.lockedUntil).toLocaleTimeString()}.` : "";
    setStatus(`Chain reset: start again from step 1 (${data.nextFactor.label}). ${data.failuresRemaining} tries left.${locked}`, "fail");
    log(`failure: chain reset to step 1 (${data.nextFactor.id})`, "fail");
    return;
  }
  setStatus(data.detail, "fail");
  log(`verify: ${data.detail}`, "fail");
}

async function main() {
  config = await (await fetch("/demo/config.json")).json();
  $("start-attempt").addEventListener("click", startAttempt);
  $("verify-form").addEventListener("submit", verify);
  $("user-id").addEventListener("change", refreshFactors);
  await loadPolicy();
}

main().catch((error) => log(`demo failed to load: ${error.message}`, "fail"));
