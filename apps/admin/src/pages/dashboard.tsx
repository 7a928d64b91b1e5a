// The tenant at a glance: verifies, failures, lockouts and enrollments over the last 24 hours and 7 days, counted from
// the audit trail (the newest 1,000 events of the week at most; the chart says when it is capped).
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { Failure, Loading } from "../ui/states";

type AuditEvent = Schemas["AuditEvent"];
const DAY = 86_400_000;
const MAX_PAGES = 5;

const SERIES: { label: string; types: readonly AuditEvent["type"][] }[] = [
  { label: "Verifies passed", types: ["attempt.step_succeeded"] },
  { label: "Failures", types: ["attempt.step_failed", "attempt.chain_breached", "factor.confirm_failed"] },
  { label: "Lockouts", types: ["user.locked"] },
  { label: "Enrollments", types: ["factor.confirmed"] },
];

async function weekOfEvents(now: number): Promise<{ events: AuditEvent[]; capped: boolean }> {
  const events: AuditEvent[] = [];
  let before: number | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const from = new Date(now - 7 * DAY).toISOString();
    const types = SERIES.flatMap((s) => s.types);
    const result = unwrap(
      await api.GET("/v1/audit-events", {
        params: { query: { from, type: types, limit: "200", ...(before ? { before: String(before) } : {}) } },
      }),
    );
    events.push(...result.events);
    if (result.nextBefore === null) return { events, capped: false };
    before = result.nextBefore;
  }
  return { events, capped: true };
}

export function Dashboard() {
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const week = useQuery({ queryKey: ["dashboard", now], queryFn: () => weekOfEvents(now) });
  return (
    <>
      <h1>Dashboard</h1>
      {week.isPending ? (
        <Loading what="the last 7 days" />
      ) : week.isError ? (
        <Failure error={week.error} retry={() => void week.refetch()} />
      ) : (
        <div className="charts">
          <Chart title="Last 24 hours" events={week.data.events.filter((e) => Date.parse(e.at) >= now - DAY)} capped={false} />
          <Chart title="Last 7 days" events={week.data.events} capped={week.data.capped} />
        </div>
      )}
    </>
  );
}

function Chart({ title, events, capped }: { title: string; events: AuditEvent[]; capped: boolean }) {
  const counts = SERIES.map((s) => ({ label: s.label, count: events.filter((e) => s.types.includes(e.type)).length }));
  const max = Math.max(1, ...counts.map((c) => c.count));
  return (
    <figure className="card chart">
      <figcaption>
        <h2>{title}</h2>
        {capped ? <p className="muted">Counted from the newest 1,000 events only.</p> : null}
      </figcaption>
      <table>
        <caption className="sr-only">{title}: events by kind</caption>
        <tbody>
          {counts.map((c) => (
            <tr key={c.label}>
              <th scope="row">{c.label}</th>
              <td className="bar-cell">
                <span className="bar" style={{ width: `${(c.count / max) * 100}%` }} aria-hidden="true" />
              </td>
              <td className="count">{c.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
