// The tenant's audit trail: filters (user, type, time), newest first, paged backwards by sequence number.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { useId, type FormEvent } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { Empty, Failure, Loading, when } from "../ui/states";

export type AuditType = Schemas["AuditEvent"]["type"];
export interface AuditSearch {
  readonly userId?: string | undefined;
  readonly type?: AuditType | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly before?: number | undefined;
}

const PAGE = 50;
/** datetime-local (local time, no zone) ⇄ ISO instants. */
const toIso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);
const toLocal = (iso: string | undefined): string => {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

export function Audit({ types }: { types: readonly string[] }) {
  const search: AuditSearch = useSearch({ from: "/audit" });
  const navigate = useNavigate({ from: "/audit" });
  const ids = { user: useId(), type: useId(), from: useId(), to: useId() };
  const events = useQuery({
    queryKey: ["audit", search],
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/audit-events", {
          params: {
            query: {
              limit: String(PAGE),
              ...(search.userId ? { userId: search.userId } : {}),
              ...(search.type ? { type: search.type } : {}),
              ...(search.from ? { from: search.from } : {}),
              ...(search.to ? { to: search.to } : {}),
              ...(search.before ? { before: String(search.before) } : {}),
            },
          },
        }),
      ),
  });
  const filter = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (name: string) => String(data.get(name) ?? "").trim() || undefined;
    const next: AuditSearch = {
      ...(text("userId") ? { userId: text("userId") } : {}),
      ...(text("type") ? { type: text("type") as AuditType } : {}),
      ...(toIso(String(data.get("from") ?? "")) ? { from: toIso(String(data.get("from"))) } : {}),
      ...(toIso(String(data.get("to") ?? "")) ? { to: toIso(String(data.get("to"))) } : {}),
    };
    void navigate({ search: next });
  };

  return (
    <>
      <h1>Audit trail</h1>
      <ChainCheck />
      <form onSubmit={filter} className="filters" aria-label="Filter the audit trail">
        <div>
          <label htmlFor={ids.user}>User id</label>
          <input id={ids.user} name="userId" defaultValue={search.userId ?? ""} />
        </div>
        <div>
          <label htmlFor={ids.type}>Event type</label>
          <select id={ids.type} name="type" defaultValue={search.type ?? ""}>
            <option value="">Any</option>
            {types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.from}>From</label>
          <input id={ids.from} name="from" type="datetime-local" defaultValue={toLocal(search.from)} />
        </div>
        <div>
          <label htmlFor={ids.to}>To</label>
          <input id={ids.to} name="to" type="datetime-local" defaultValue={toLocal(search.to)} />
        </div>
        <button type="submit">Apply filters</button>
      </form>
      {events.isPending ? (
        <Loading what="audit events" />
      ) : events.isError ? (
        <Failure error={events.error} retry={() => void events.refetch()} />
      ) : events.data.events.length === 0 ? (
        <Empty>No audit events match.</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Audit events, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">When</th>
                  <th scope="col">Type</th>
                  <th scope="col">Actor</th>
                  <th scope="col">User</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {events.data.events.map((e) => (
                  <tr key={e.seq}>
                    <td>{e.seq}</td>
                    <td>{when(e.at)}</td>
                    <td>
                      <code>{e.type}</code>
                    </td>
                    <td>
                      {e.actor.kind}
                      {e.actor.id ? <span className="muted"> {e.actor.id}</span> : null}
                    </td>
                    <td>{e.userId ?? "—"}</td>
                    <td className="details">{Object.keys(e.data).length > 0 ? JSON.stringify(e.data) : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav aria-label="Audit pages" className="pager">
            {search.before ? (
              <button type="button" onClick={() => void navigate({ search: { ...search, before: undefined } })}>
                Newest
              </button>
            ) : null}
            {events.data.nextBefore !== null ? (
              <button type="button" onClick={() => void navigate({ search: { ...search, before: events.data.nextBefore ?? undefined } })}>
                Older events
              </button>
            ) : null}
          </nav>
        </>
      )}
    </>
  );
}

/** The tenant's hash chain, checked on demand, with a verdict no one can misread. */
function ChainCheck() {
  const check = useMutation({ mutationFn: async () => unwrap(await api.GET("/v1/audit-chain")) });
  const report = check.data;
  return (
    <section aria-labelledby="chain-title" className="card chain">
      <h2 id="chain-title">Hash chain</h2>
      <p className="muted">Each sealed event's hash covers the event before it: a changed, removed or reordered event breaks the chain.</p>
      <button type="button" onClick={() => check.mutate()} disabled={check.isPending}>
        {check.isPending ? "Checking…" : "Check the hash chain"}
      </button>
      <div aria-live="polite">
        {check.isError ? <Failure error={check.error} /> : null}
        {report?.ok === true ? (
          <p className="verdict ok" role="status">
            <strong>Intact.</strong> {report.checked} sealed events verified
            {report.unsealed > 0 ? `; ${report.unsealed} newer events are not sealed yet (not covered)` : ""}.
          </p>
        ) : null}
        {report?.ok === false ? (
          <p className="verdict broken" role="alert">
            <strong>Broken at event #{report.firstBadSeq}</strong> ({report.reason.replace("_", " ")}): {report.message}
          </p>
        ) : null}
      </div>
    </section>
  );
}
