// Your account: the signed-in operator's own sign-in factors. A registered passkey replaces the authenticator app's
// code at sign-in (the app stays, for when the passkey is removed). Registering and removing need a sign-in of the
// last 5 minutes (the API's re-authentication rule): otherwise the API's reauthentication_required is shown.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ProblemError, unwrap, type Schemas } from "../api/client";
import { registerPasskey } from "../passkey";
import { messageOf, type ConsoleSession } from "../session";
import { when } from "../ui/states";
import { Listing } from "../ui/table";

const PASSKEYS = ["console-passkeys"] as const;

/** What an error means to the operator here: a late change asks for a new sign-in. */
const explain = (error: unknown): string =>
  error instanceof ProblemError && error.problem.code === "reauthentication_required"
    ? "Changing your passkeys needs a sign-in of the last 5 minutes: sign out, sign in again, and retry."
    : messageOf(error);

export function Account({ session }: { session: ConsoleSession }) {
  const client = useQueryClient();
  const [done, setDone] = useState<string | null>(null);
  // The console's own routes name the CSRF header in the document (the client's middleware sets it too).
  const header = { "x-csrf-token": session.csrfToken };
  const passkeys = useQuery({
    queryKey: PASSKEYS,
    queryFn: async () => unwrap(await api.GET("/console/passkeys", { params: { header } })),
  });
  const register = useMutation({
    mutationFn: async () => {
      const started = unwrap(await api.POST("/console/passkeys", { params: { header } }));
      const response = (await registerPasskey(started.publicKey)) as Schemas["WebAuthnResponse"];
      return unwrap(
        await api.POST("/console/passkeys/{credentialId}/confirm", {
          params: { header, path: { credentialId: started.factor.id } },
          body: { response },
        }),
      );
    },
    onSuccess: (result) => {
      setDone(
        result.confirmed
          ? "Passkey registered: you sign in with it from now on."
          : `The passkey was not accepted. ${result.failuresRemaining ?? 0} tries left.`,
      );
      void client.invalidateQueries({ queryKey: PASSKEYS });
    },
  });
  const remove = useMutation({
    mutationFn: async (credentialId: string) =>
      unwrap(await api.DELETE("/console/passkeys/{credentialId}", { params: { header, path: { credentialId } } })),
    onSuccess: () => {
      setDone("Passkey removed: you sign in with your authenticator app again.");
      void client.invalidateQueries({ queryKey: PASSKEYS });
    },
  });
  const { operator } = session;

  return (
    <>
      <h1>Your account</h1>
      <dl className="card settings">
        <dt>Operator</dt>
        <dd>{operator.username}</dd>
        <dt>Role</dt>
        <dd>{operator.role}</dd>
        <dt>Tenants</dt>
        <dd>{operator.scope ?? "every tenant"}</dd>
      </dl>
      <h2>Passkeys</h2>
      <p>
        With a passkey you sign in with your password and then the passkey, instead of a code from your authenticator app. A new passkey
        replaces the one you have.
      </p>
      <button
        type="button"
        onClick={() => {
          setDone(null);
          register.mutate();
        }}
        disabled={register.isPending}
      >
        {register.isPending ? "Waiting for the passkey…" : "Register a passkey"}
      </button>
      {register.isError ? (
        <p role="alert" className="state error">
          {explain(register.error)}
        </p>
      ) : null}
      {done ? (
        <p role="status" className="state">
          {done}
        </p>
      ) : null}
      <Listing
        query={passkeys}
        what="your passkeys"
        items={passkeys.data?.passkeys}
        empty="You have no passkey: you sign in with your authenticator app."
        caption="Your passkeys"
        columns={["Passkey", "Registered", "Synced", "Action"]}
        row={(p: Schemas["Factor"]) => (
          <tr key={p.id}>
            <td>
              {p.label} <code>{p.id}</code>
            </td>
            <td>{when(p.confirmedAt)}</td>
            <td>{p.backedUp ? "yes" : "no"}</td>
            <td>
              <button type="button" className="danger" onClick={() => remove.mutate(p.id)} disabled={remove.isPending}>
                Remove passkey {p.id}
              </button>
            </td>
          </tr>
        )}
      />
      {remove.isError ? (
        <p role="alert" className="state error">
          {explain(remove.error)}
        </p>
      ) : null}
    </>
  );
}
