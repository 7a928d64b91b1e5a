// The tenant's users: searched by id prefix (GET /v1/users, keyset pages), and one user's factors (kind, label, status,
// dates, last use from the audit trail) with revoke, and their lockout with unlock.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useId, type FormEvent } from "react";
import { api, unwrap } from "../api/client";
import { isAdmin, messageOf, type ConsoleSession } from "../session";
import { Empty, Failure, Loading, when } from "../ui/states";
import { Listing } from "../ui/table";
import { Devices, Recoveries } from "./recovery";

export function Users({ session }: { session: ConsoleSession }) {
  const { q, userId } = useSearch({ from: "/users" });
  const navigate = useNavigate({ from: "/users" });
  const inputId = useId();
  const search = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get("q") ?? "").trim();
    void navigate({ search: value ? { q: value } : {} });
  };
  return (
    <>
      <h1>Users</h1>
      <form role="search" onSubmit={search} className="inline-form" aria-label="Search users">
        <label htmlFor={inputId}>User id starts with</label>
        <input id={inputId} name="q" defaultValue={q ?? ""} key={q ?? ""} maxLength={128} />
        <button type="submit">Search</button>
      </form>
      <UserList prefix={q ?? ""} selected={userId ?? null} />
      {userId ? <UserDetail userId={userId} admin={isAdmin(session)} /> : <Empty>Choose a user to see their factors and lockout.</Empty>}
    </>
  );
}

function UserList({ prefix, selected }: { prefix: string; selected: string | null }) {
  const users = useInfiniteQuery({
    queryKey: ["users", prefix],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/v1/users", {
          params: { query: { ...(prefix ? { prefix } : {}), ...(pageParam ? { after: pageParam } : {}), limit: "25" } },
        }),
      ),
    getNextPageParam: (last) => last.next,
  });
  if (users.isPending) return <Loading what="users" />;
  if (users.isError) return <Failure error={users.error} retry={() => void users.refetch()} />;
  const all = users.data.pages.flatMap((p) => p.users);
  if (all.length === 0) return <Empty>{prefix ? `No user's id starts with "${prefix}".` : "This tenant has no users yet."}</Empty>;
  return (
    <nav aria-label="Users found" className="user-list">
      <ul>
        {all.map((u) => (
          <li key={u.userId}>
            <Link
              to="/users"
              search={{ ...(prefix ? { q: prefix } : {}), userId: u.userId }}
              aria-current={u.userId === selected ? "page" : undefined}
            >
              {u.userId}
            </Link>{" "}
            <span className="muted">since {when(u.createdAt)}</span>
          </li>
        ))}
      </ul>
      {users.hasNextPage ? (
        <button type="button" onClick={() => void users.fetchNextPage()} disabled={users.isFetchingNextPage}>
          More users
        </button>
      ) : null}
    </nav>
  );
}

function UserDetail({ userId, admin }: { userId: string; admin: boolean }) {
  const client = useQueryClient();
  const factors = useQuery({
    queryKey: ["factors", userId],
    queryFn: async () => unwrap(await api.GET("/v1/users/{userId}/factors", { params: { path: { userId } } })),
  });
  const uses = useQuery({
    queryKey: ["factor-uses", userId],
    queryFn: async () => unwrap(await api.GET("/v1/users/{userId}/factor-uses", { params: { path: { userId } } })),
  });
  const lastUse = new Map((uses.data?.uses ?? []).map((u) => [u.factorId, u.lastUsedAt]));
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
      <h2 className="user-title">User {userId}</h2>
      <section aria-labelledby="lockout-title">
        <h3 id="lockout-title">Lockout</h3>
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
        <h3 id="factors-title">Factors</h3>
        <Listing
          query={factors}
          what="factors"
          items={factors.data?.factors}
          empty="This user has no factors."
          caption={`Factors of ${userId}`}
          columns={["Label", "Kind", "Status", "Enrolled", "Confirmed", "Revoked", "Last used", admin && "Action"]}
          row={(f) => (
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
              <td>{f.status === "active" ? (uses.isPending ? "…" : when(usedSince(lastUse.get(f.factorId), f.confirmedAt))) : "—"}</td>
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
          )}
        />
        {revoke.isError ? <p role="alert">{messageOf(revoke.error)}</p> : null}
      </section>
      <Devices userId={userId} admin={admin} />
      <Recoveries userId={userId} admin={admin} />
    </>
  );
}

/** A slot's last use counts for this credential only from its confirmation on (an earlier one was another credential's). */
const usedSince = (used: string | undefined, confirmedAt: string | null): string | null =>
  used && confirmedAt && Date.parse(used) >= Date.parse(confirmedAt) ? used : null;
