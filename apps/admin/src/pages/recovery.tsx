// A user's remembered devices (listed, revoked one by one or all) and recoveries (listed with their state, requested with
// how the identity was verified and a reference, executed once due), and "reset all factors" where the tenant's
// recovery delay in force is 0. A viewer operator sees the devices and no action; the API refuses them anyway.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, type FormEvent } from "react";
import { api, fieldErrors, unwrap } from "../api/client";
import { messageOf } from "../session";
import { when } from "../ui/states";
import { Listing } from "../ui/table";

const deviceState = (d: { revokedAt: string | null; expiresAt: string }): "active" | "revoked" | "expired" =>
  d.revokedAt ? "revoked" : Date.parse(d.expiresAt) <= Date.now() ? "expired" : "active";

export function Devices({ userId, admin }: { userId: string; admin: boolean }) {
  const client = useQueryClient();
  const devices = useQuery({
    queryKey: ["devices", userId],
    queryFn: async () => unwrap(await api.GET("/v1/users/{userId}/devices", { params: { path: { userId } } })),
  });
  const refresh = () => client.invalidateQueries({ queryKey: ["devices", userId] });
  const revokeOne = useMutation({
    mutationFn: async (deviceId: string) => {
      const result = await api.DELETE("/v1/users/{userId}/devices/{deviceId}", { params: { path: { userId, deviceId } } });
      if (!result.response.ok) unwrap(result);
    },
    onSuccess: refresh,
  });
  const revokeAll = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/v1/users/{userId}/devices", { params: { path: { userId } } })),
    onSuccess: refresh,
  });
  const live = (devices.data?.devices ?? []).filter((d) => deviceState(d) === "active");
  return (
    <section aria-labelledby="devices-title">
      <h3 id="devices-title">Remembered devices</h3>
      <Listing
        query={devices}
        what="remembered devices"
        items={devices.data?.devices}
        empty="This user has no remembered devices."
        caption={`Remembered devices of ${userId}`}
        columns={["Label", "State", "Remembered", "Last used", "Expires", admin && "Action"]}
        row={(d) => (
          <tr key={d.id}>
            <td>{d.label}</td>
            <td>
              <span className={`badge ${deviceState(d)}`}>{deviceState(d)}</span>
            </td>
            <td>{when(d.createdAt)}</td>
            <td>{when(d.lastUsedAt)}</td>
            <td>{when(d.expiresAt)}</td>
            {admin ? (
              <td>
                {deviceState(d) === "active" ? (
                  <button type="button" className="danger" onClick={() => revokeOne.mutate(d.id)} disabled={revokeOne.isPending}>
                    Revoke device {d.label}
                  </button>
                ) : null}
              </td>
            ) : null}
          </tr>
        )}
      />
      {admin && live.length > 0 ? (
        <button type="button" className="danger" onClick={() => revokeAll.mutate()} disabled={revokeAll.isPending}>
          Revoke all devices of {userId}
        </button>
      ) : null}
      {revokeOne.isError ? <p role="alert">{messageOf(revokeOne.error)}</p> : null}
      {revokeAll.isError ? <p role="alert">{messageOf(revokeAll.error)}</p> : null}
      {revokeAll.isSuccess ? <p role="status">Revoked {revokeAll.data.revoked.length} devices.</p> : null}
    </section>
  );
}

/** The verification and reference fields both the recovery request and the reset ask for, with the API's field errors. */
function VerificationFields({ error, idPrefix }: { error: unknown; idPrefix: string }) {
  const errors = fieldErrors(error);
  return (
    <>
      {(["verification", "reference"] as const).map((name) => {
        const id = `${idPrefix}-${name}`;
        const message = errors[`body.${name}`] ?? errors[name];
        return (
          <div className="field" key={name}>
            <label htmlFor={id}>{name === "verification" ? "How the identity was verified" : "Reference (ticket)"}</label>
            <input
              id={id}
              name={name}
              required
              maxLength={name === "verification" ? 64 : 200}
              placeholder={name === "verification" ? "video_call" : "TICKET-123"}
              aria-invalid={message ? true : undefined}
              aria-describedby={message ? `${id}-error` : undefined}
            />
            {message ? (
              <p id={`${id}-error`} className="field-error">
                {message}
              </p>
            ) : null}
          </div>
        );
      })}
    </>
  );
}

const verificationOf = (event: FormEvent<HTMLFormElement>) => {
  event.preventDefault();
  const form = new FormData(event.currentTarget);
  return { verification: String(form.get("verification") ?? "").trim(), reference: String(form.get("reference") ?? "").trim() };
};

export function Recoveries({ userId, admin }: { userId: string; admin: boolean }) {
  const client = useQueryClient();
  const formId = useId();
  const settings = useQuery({
    queryKey: ["settings"],
    queryFn: async () => unwrap(await api.GET("/v1/settings")),
  });
  const recoveries = useQuery({
    queryKey: ["recoveries", userId],
    enabled: admin,
    queryFn: async () => unwrap(await api.GET("/v1/users/{userId}/recoveries", { params: { path: { userId } } })),
  });
  const changed = () => {
    void client.invalidateQueries({ queryKey: ["recoveries", userId] });
    void client.invalidateQueries({ queryKey: ["factors", userId] });
    void client.invalidateQueries({ queryKey: ["devices", userId] });
  };
  const request = useMutation({
    mutationFn: async (body: { verification: string; reference: string }) =>
      unwrap(await api.POST("/v1/users/{userId}/recoveries", { params: { path: { userId } }, body })),
    onSuccess: changed,
  });
  const execute = useMutation({
    mutationFn: async (recoveryId: string) =>
      unwrap(await api.POST("/v1/recoveries/{recoveryId}/execute", { params: { path: { recoveryId } } })),
    onSuccess: changed,
  });
  const reset = useMutation({
    mutationFn: async (body: { verification: string; reference: string }) =>
      unwrap(await api.POST("/v1/users/{userId}/reset-factors", { params: { path: { userId } }, body })),
    onSuccess: changed,
  });

  if (!admin) {
    return (
      <section aria-labelledby="recovery-title">
        <h3 id="recovery-title">Recovery</h3>
        <p className="muted">Only an admin operator reads, requests and executes recoveries.</p>
      </section>
    );
  }
  const list = recoveries.data?.recoveries ?? [];
  const open = list.some((r) => r.state === "requested" || r.state === "ready");
  const delayOff = settings.data?.recoveryDelaySeconds === 0;
  return (
    <section aria-labelledby="recovery-title">
      <h3 id="recovery-title">Recovery</h3>
      <Listing
        query={recoveries}
        what="recoveries"
        items={list}
        empty="No recovery was ever requested for this user."
        caption={`Recoveries of ${userId}`}
        columns={["State", "Verification", "Reference", "Requested", "Due", "Expires", "Action"]}
        row={(r) => (
          <tr key={r.id}>
            <td>
              <span className={`badge ${r.state === "completed" ? "active" : r.state === "requested" ? "pending" : r.state}`}>
                {r.state}
              </span>
            </td>
            <td>{r.verification}</td>
            <td>{r.reference}</td>
            <td>{when(r.requestedAt)}</td>
            <td>{when(r.dueAt)}</td>
            <td>{when(r.expiresAt)}</td>
            <td>
              {r.state === "requested" || r.state === "ready" ? (
                <button type="button" className="danger" onClick={() => execute.mutate(r.id)} disabled={execute.isPending}>
                  Execute recovery {r.reference}
                </button>
              ) : null}
            </td>
          </tr>
        )}
      />
      {execute.isError ? <p role="alert">{messageOf(execute.error)}</p> : null}
      {execute.isSuccess ? <p role="status">Recovery executed: {execute.data.revoked.length} factors revoked.</p> : null}
      <p className="muted">
        The user is told of a request at once, with a token to cancel it (the cancel is theirs: <code>POST /v1/recoveries/cancel</code>). It
        may be executed from its due time.
      </p>
      {open ? null : (
        <form className="card" aria-labelledby={`${formId}-title`} onSubmit={(e) => request.mutate(verificationOf(e))}>
          <h4 id={`${formId}-title`}>Request a recovery</h4>
          <VerificationFields error={request.error} idPrefix={`${formId}-request`} />
          <button type="submit" disabled={request.isPending}>
            Request a recovery
          </button>
          {request.isError && Object.keys(fieldErrors(request.error)).length === 0 ? <p role="alert">{messageOf(request.error)}</p> : null}
        </form>
      )}
      {request.isSuccess ? (
        <p role="status">
          Requested; due {when(request.data.dueAt)}.{" "}
          {request.data.notified.length === 0
            ? "The user has no email or SMS factor to be told on."
            : `Told on ${request.data.notified.map((n) => `${n.channel} ${n.destination}`).join(", ")}.`}
        </p>
      ) : null}
      {delayOff ? (
        <form className="card" aria-labelledby={`${formId}-reset-title`} onSubmit={(e) => reset.mutate(verificationOf(e))}>
          <h4 id={`${formId}-reset-title`}>Reset all factors now</h4>
          <p className="muted">
            This tenant&apos;s recovery delay is off: every factor, remembered device and backup code is revoked at once.
          </p>
          <VerificationFields error={reset.error} idPrefix={`${formId}-reset`} />
          <button type="submit" className="danger" disabled={reset.isPending}>
            Reset all factors of {userId}
          </button>
          {reset.isError && Object.keys(fieldErrors(reset.error)).length === 0 ? <p role="alert">{messageOf(reset.error)}</p> : null}
          {reset.isSuccess ? <p role="status">Reset: {reset.data.revoked.length} factors revoked.</p> : null}
        </form>
      ) : settings.isSuccess ? (
        <p className="muted">An immediate reset is offered only where the tenant&apos;s recovery delay is 0 (settings).</p>
      ) : null}
    </section>
  );
}
