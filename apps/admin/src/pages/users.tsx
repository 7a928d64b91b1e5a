// A user of the tenant: their factors (kind, label, status, dates) with revoke, and their lockout with unlock.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { useId, type FormEvent } from "react";
import { api, unwrap } from "../api/client";
import { isAdmin, messageOf, type ConsoleSession } from "../session";
import { Empty, Failure, Loading, when } from "../ui/states";

export function Users({ session }: { session: ConsoleSession }) {
  const { userId } = useSearch({ from: "/users" });
  const navigate = useNavigate({ from: "/users" });
  const inputId = useId();
  const search = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get("userId") ?? "").trim();
    void navigate({ search: value ? { userId: value } : {} });
  };
  return (
    <>
      <h1>Users</h1>
      <form role="search" onSubmit={search} className="inline-form">
        <label htmlFor={inputId}>User id</label>
        <input id={inputId} name="userId" defaultValue={userId ?? ""} key={userId ?? ""} required />
        <button type="submit">Look up</button>
      </form>
      {userId ? <UserDetail userId={userId} admin={isAdmin(session)} /> : <Empty>Enter a user id to see their factors and lockout.</Empty>}
    </>
  );
}

function UserDetail({ userId, admin }: { userId: string; admin: boolean }) {
  const client = useQueryClient();
  const factors = useQuery({
    queryKey: ["factors", userId],
    queryFn: async () => unwrap(await api.GET("/v1/users/{userId}/factors", { params: { path: { userId } } })),
  });
  const lockout = useQuery({
    queryKey: ["lockout", userId],
    queryFn: async () => unwrap(await api.GET("/v1/users/{userId}/lockout", { params: { path: { userId } } })),
  });
  const unlock = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/users/{userId}/unlock", { params: { path: { userId } } })),
    onSuccess: (view) => client.setQueryData(["lockout", userId], view),
  });
  const revoke = useMutation({
    mutationFn: async (credentialId: string) =>
      unwrap(await api.POST("/v1/users/{userId}/factors/{credentialId}/revoke", { params: { path: { userId, credentialId } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["factors", userId] }),
  });

  return (
    <>
      <section aria-labelledby="lockout-title">
        <h2 id="lockout-title">Lockout</h2>
        {lockout.isPending ? (
          <Loading what="the lockout" />
        ) : lockout.isError ? (
          <Failure error={lockout.error} retry={() => void lockout.refetch()} />
        ) : (
          <div className="card">
            <p>
              <strong>{lockout.data.locked ? "Locked" : "Not locked"}</strong>
              {lockout.data.locked ? ` until ${when(lockout.data.lockedUntil)}` : ""} · {lockout.data.consecutiveFailures} failures in a row
              · {lockout.data.lockCount} locks so far
            </p>
            {admin ? (
              <button type="button" onClick={() => unlock.mutate()} disabled={unlock.isPending}>
                Unlock {userId}
              </button>
            ) : null}
            {unlock.isError ? <p role="alert">{messageOf(unlock.error)}</p> : null}
            {unlock.isSuccess ? <p role="status">Unlocked.</p> : null}
          </div>
        )}
      </section>
      <section aria-labelledby="factors-title">
        <h2 id="factors-title">Factors</h2>
        {factors.isPending ? (
          <Loading what="factors" />
        ) : factors.isError ? (
          <Failure error={factors.error} retry={() => void factors.refetch()} />
        ) : factors.data.factors.length === 0 ? (
          <Empty>This user has no factors.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Factors of {userId}</caption>
              <thead>
                <tr>
                  <th scope="col">Label</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Status</th>
                  <th scope="col">Enrolled</th>
                  <th scope="col">Confirmed</th>
                  <th scope="col">Revoked</th>
                  {admin ? <th scope="col">Action</th> : null}
                </tr>
              </thead>
              <tbody>
                {factors.data.factors.map((f) => (
                  <tr key={f.id}>
                    <td>
                      {f.label} <span className="muted">({f.factorId})</span>
                    </td>
                    <td>{f.type}</td>
                    <td>
                      <span className={`badge ${f.status}`}>{f.status}</span>
                    </td>
                    <td>{when(f.createdAt)}</td>
                    <td>{when(f.confirmedAt)}</td>
                    <td>{when(f.revokedAt)}</td>
                    {admin ? (
                      <td>
                        {f.status === "revoked" ? null : (
                          <button type="button" className="danger" onClick={() => revoke.mutate(f.id)} disabled={revoke.isPending}>
                            Revoke {f.label}
                          </button>
                        )}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {revoke.isError ? <p role="alert">{messageOf(revoke.error)}</p> : null}
      </section>
    </>
  );
}
