// The tenant's settings (GET/PUT /v1/settings): the notifications switch, and the recovery delay in force with a lowered
// value waiting for the old delay to pass. A viewer operator reads them; the form is an admin's.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, type FormEvent } from "react";
import { api, fieldErrors, unwrap } from "../api/client";
import { isAdmin, messageOf, type ConsoleSession } from "../session";
import { Failure, Loading, when } from "../ui/states";

const duration = (seconds: number): string =>
  seconds === 0
    ? "off"
    : seconds % 86_400 === 0
      ? `${seconds / 86_400} d`
      : seconds % 3_600 === 0
        ? `${seconds / 3_600} h`
        : `${seconds} s`;

export function Settings({ session }: { session: ConsoleSession }) {
  const admin = isAdmin(session);
  const client = useQueryClient();
  const ids = { notifications: useId(), delay: useId(), delayError: useId(), delayHelp: useId() };
  const settings = useQuery({ queryKey: ["settings"], queryFn: async () => unwrap(await api.GET("/v1/settings")) });
  const save = useMutation({
    mutationFn: async (body: { notificationsEnabled: boolean; recoveryDelaySeconds: number }) =>
      unwrap(await api.PUT("/v1/settings", { body })),
    onSuccess: (saved) => client.setQueryData(["settings"], saved),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const raw = String(form.get("recoveryDelaySeconds") ?? "").trim();
    save.mutate({
      notificationsEnabled: form.get("notificationsEnabled") === "on",
      recoveryDelaySeconds: raw === "" ? Number.NaN : Number(raw),
    });
  };
  const errors = fieldErrors(save.error);
  const delayError = errors["recoveryDelaySeconds"] ?? errors["body.recoveryDelaySeconds"];

  if (settings.isPending) return <Loading what="the settings" />;
  if (settings.isError) return <Failure error={settings.error} retry={() => void settings.refetch()} />;
  const s = settings.data;
  return (
    <>
      <h1>Settings</h1>
      <dl className="card settings">
        <dt>Notifications to users</dt>
        <dd>{s.notificationsEnabled ? "On" : "Off"}</dd>
        <dt>Recovery delay in force</dt>
        <dd data-testid="delay-in-force">{duration(s.recoveryDelaySeconds)}</dd>
        <dt>Lowered delay waiting</dt>
        <dd data-testid="delay-pending">
          {s.pendingRecoveryDelay
            ? `${duration(s.pendingRecoveryDelay.recoveryDelaySeconds)}, in force from ${when(s.pendingRecoveryDelay.effectiveAt)}`
            : "none"}
        </dd>
        <dt>Last changed</dt>
        <dd>{when(s.updatedAt)}</dd>
      </dl>
      {admin ? (
        <form className="card" onSubmit={submit} aria-label="Change the settings" key={s.updatedAt ?? "never"} noValidate>
          <div className="check">
            <input id={ids.notifications} type="checkbox" name="notificationsEnabled" defaultChecked={s.notificationsEnabled} />
            <label htmlFor={ids.notifications}>Tell users of factor changes, backup codes used, lockouts and reported fraud</label>
          </div>
          <div className="field">
            <label htmlFor={ids.delay}>Recovery delay (seconds)</label>
            <input
              id={ids.delay}
              name="recoveryDelaySeconds"
              type="number"
              min={0}
              step={1}
              defaultValue={s.pendingRecoveryDelay?.recoveryDelaySeconds ?? s.recoveryDelaySeconds}
              aria-invalid={delayError ? true : undefined}
              aria-describedby={delayError ? `${ids.delayHelp} ${ids.delayError}` : ids.delayHelp}
            />
            <p id={ids.delayHelp} className="muted">
              0 turns the delay off and allows an immediate reset. A higher value is in force at once; a lower one once the delay in force
              now has passed.
            </p>
            {delayError ? (
              <p id={ids.delayError} className="field-error">
                {delayError}
              </p>
            ) : null}
          </div>
          <button type="submit" disabled={save.isPending}>
            Save settings
          </button>
          {save.isError && !delayError ? <p role="alert">{messageOf(save.error)}</p> : null}
          {save.isSuccess ? <p role="status">Saved.</p> : null}
        </form>
      ) : (
        <p className="muted">Only an admin operator changes the settings.</p>
      )}
    </>
  );
}
