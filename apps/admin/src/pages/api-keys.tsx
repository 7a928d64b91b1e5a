// The tenant's API keys (admin operators): list, issue (the key shown once, here only), revoke.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { isAdmin, messageOf, type ConsoleSession } from "../session";
import { when } from "../ui/states";
import { Listing } from "../ui/table";

type Issued = Schemas["IssuedApiKey"];

export function ApiKeys({ session }: { session: ConsoleSession }) {
  if (!isAdmin(session)) {
    return (
      <>
        <h1>API keys</h1>
        <p className="state">Only admin operators manage a tenant's API keys.</p>
      </>
    );
  }
  return <KeyManager />;
}

function KeyManager() {
  const client = useQueryClient();
  const ids = { name: useId(), role: useId() };
  const [shown, setShown] = useState<Issued | null>(null);
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: async () => unwrap(await api.GET("/v1/api-keys")) });
  const issue = useMutation({
    mutationFn: async (body: { name: string; role: "admin" | "service" }) => unwrap(await api.POST("/v1/api-keys", { body })),
    onSuccess: (issued) => {
      setShown(issued);
      void client.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  const revoke = useMutation({
    mutationFn: async (keyId: string) => unwrap(await api.POST("/v1/api-keys/{keyId}/revoke", { params: { path: { keyId } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["api-keys"] }),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    issue.mutate({ name: String(data.get("name") ?? ""), role: String(data.get("role")) === "admin" ? "admin" : "service" });
    event.currentTarget.reset();
  };

  return (
    <>
      <h1>API keys</h1>
      <form onSubmit={submit} className="inline-form" aria-label="Issue an API key">
        <label htmlFor={ids.name}>Key name</label>
        <input id={ids.name} name="name" required maxLength={200} />
        <label htmlFor={ids.role}>Role</label>
        <select id={ids.role} name="role" defaultValue="service">
          <option value="service">service</option>
          <option value="admin">admin</option>
        </select>
        <button type="submit" disabled={issue.isPending}>
          Issue a key
        </button>
      </form>
      {issue.isError ? (
        <p role="alert" className="state error">
          {messageOf(issue.error)}
        </p>
      ) : null}
      {shown ? (
        <div className="card shown-once" role="status">
          <p>
            <strong>
              The key for “{shown.name}” ({shown.role}):
            </strong>{" "}
            copy it now. It is not stored and will not be shown again.
          </p>
          <p>
            <code data-testid="issued-key">{shown.apiKey}</code>
          </p>
          <button type="button" onClick={() => setShown(null)}>
            I have copied it
          </button>
        </div>
      ) : null}
      <Listing
        query={keys}
        what="API keys"
        items={keys.data?.keys}
        empty="This tenant has no API keys."
        caption="API keys of the tenant, oldest first"
        columns={["Name", "Id", "Role", "Issued", "Revoked", "Action"]}
        row={(k) => (
          <tr key={k.keyId}>
            <td>{k.name}</td>
            <td>
              <code>{k.keyId}</code>
            </td>
            <td>{k.role}</td>
            <td>{when(k.createdAt)}</td>
            <td>{when(k.revokedAt)}</td>
            <td>
              {k.revokedAt === null ? (
                <button type="button" className="danger" onClick={() => revoke.mutate(k.keyId)} disabled={revoke.isPending}>
                  Revoke {k.name}
                </button>
              ) : (
                <span className="badge revoked">revoked</span>
              )}
            </td>
          </tr>
        )}
      />
      {revoke.isError ? <p role="alert">{messageOf(revoke.error)}</p> : null}
    </>
  );
}
