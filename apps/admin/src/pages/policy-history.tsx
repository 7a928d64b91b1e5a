// A policy's version history with a diff between two versions (GET /v1/policies/{id}/versions), and a preview of how
// attempts draw their chain from a version (GET /v1/policies/{id}/chain-preview: drawn by the API with the domain's own
// drawChain, never here), with every factor taken as enrolled or, for a user picked here, with that user's enrolled
// factors (what starting an attempt for them would draw from, and what it would refuse them for).
import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api, fieldErrors, unwrap, type Schemas } from "../api/client";
import { messageOf } from "../session";
import { TextField } from "../ui/field";
import { Empty, Failure, Loading, when } from "../ui/states";

type Policy = Schemas["Policy"];

interface Change {
  readonly field: string;
  readonly from: string;
  readonly to: string;
}

const show = (v: unknown): string => (v === undefined || v === null ? "—" : typeof v === "string" ? v : JSON.stringify(v));

/** What changed from one version to another: the policy's fields, then its factors by id (added, removed, changed). */
export function diffPolicies(from: Policy, to: Policy): Change[] {
  const changes: Change[] = [];
  const fields = ["name", "mode", "requiredSteps", "verifyWindow", "attemptTtlSeconds", "lockout"] as const;
  for (const field of fields) {
    if (show(from[field]) !== show(to[field])) changes.push({ field, from: show(from[field]), to: show(to[field]) });
  }
  const before = new Map(from.factors.map((f, i) => [f.id, { ...f, position: i + 1 }]));
  const after = new Map(to.factors.map((f, i) => [f.id, { ...f, position: i + 1 }]));
  for (const [id, f] of before) {
    const g = after.get(id);
    if (!g) {
      changes.push({ field: `factor ${id}`, from: `${f.label} (${f.type})`, to: "removed" });
      continue;
    }
    for (const key of ["label", "type", "options", "position"] as const) {
      if (show(f[key]) !== show(g[key])) changes.push({ field: `factor ${id}: ${key}`, from: show(f[key]), to: show(g[key]) });
    }
  }
  for (const [id, g] of after) {
    if (!before.has(id)) changes.push({ field: `factor ${id}`, from: "—", to: `added: ${g.label} (${g.type})` });
  }
  return changes;
}

export function PolicyHistory({ policyId }: { policyId: string }) {
  const ids = { from: useId(), to: useId() };
  const versions = useQuery({
    queryKey: ["policy-versions", policyId],
    queryFn: async () => unwrap(await api.GET("/v1/policies/{policyId}/versions", { params: { path: { policyId } } })),
  });
  const [picked, pick] = useState<{ from?: number; to?: number }>({});
  if (versions.isPending) return <Loading what="the version history" />;
  if (versions.isError) return <Failure error={versions.error} retry={() => void versions.refetch()} />;
  const all = versions.data.versions;
  const latest = all[0]?.version ?? 1;
  const toVersion = picked.to ?? latest;
  const fromVersion = picked.from ?? Math.max(1, latest - 1);
  const from = all.find((v) => v.version === fromVersion);
  const to = all.find((v) => v.version === toVersion);
  const changes = from && to ? diffPolicies(from, to) : [];
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Version history</h2>
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Versions of {policyId}</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved</th>
              <th scope="col">Name</th>
              <th scope="col">Mode</th>
              <th scope="col">Steps</th>
              <th scope="col">Factors</th>
            </tr>
          </thead>
          <tbody>
            {all.map((v) => (
              <tr key={v.version}>
                <td>{v.version}</td>
                <td>{when(v.createdAt)}</td>
                <td>{v.name}</td>
                <td>{v.mode}</td>
                <td>
                  {v.requiredSteps} of {v.factors.length}
                </td>
                <td>{v.factors.map((f) => f.label).join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Compare versions</h3>
      {all.length < 2 ? (
        <Empty>There is one version only: nothing to compare yet.</Empty>
      ) : (
        <>
          <div className="inline-form">
            <label htmlFor={ids.from}>From version</label>
            <select id={ids.from} value={fromVersion} onChange={(e) => pick({ ...picked, from: Number(e.target.value) })}>
              {all.map((v) => (
                <option key={v.version} value={v.version}>
                  {v.version}
                </option>
              ))}
            </select>
            <label htmlFor={ids.to}>To version</label>
            <select id={ids.to} value={toVersion} onChange={(e) => pick({ ...picked, to: Number(e.target.value) })}>
              {all.map((v) => (
                <option key={v.version} value={v.version}>
                  {v.version}
                </option>
              ))}
            </select>
          </div>
          {changes.length === 0 ? (
            <Empty>
              Versions {fromVersion} and {toVersion} are the same.
            </Empty>
          ) : (
            <div className="table-wrap">
              <table className="diff">
                <caption className="sr-only">
                  Changes from version {fromVersion} to version {toVersion}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">What</th>
                    <th scope="col">Version {fromVersion}</th>
                    <th scope="col">Version {toVersion}</th>
                  </tr>
                </thead>
                <tbody>
                  {changes.map((c) => (
                    <tr key={c.field}>
                      <th scope="row">{c.field}</th>
                      <td className="removed">{c.from}</td>
                      <td className="added">{c.to}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      <ChainPreview policyId={policyId} versions={all} />
    </section>
  );
}

function ChainPreview({ policyId, versions }: { policyId: string; versions: readonly Policy[] }) {
  const versionId = useId();
  const userFieldId = useId();
  // The latest by default, also once a new version is saved.
  const [chosen, setVersion] = useState<number | null>(null);
  const version = chosen ?? versions[0]?.version ?? 1;
  const preview = useMutation({
    mutationFn: async (input: { version: number; userId: string }) =>
      unwrap(
        await api.GET("/v1/policies/{policyId}/chain-preview", {
          params: {
            path: { policyId },
            // A preview for one user is of the latest version (the one attempts start with): the API takes no version then.
            query: input.userId ? { samples: "5", userId: input.userId } : { version: String(input.version), samples: "5" },
          },
        }),
      ),
  });
  const labels = new Map((versions.find((v) => v.version === preview.data?.version)?.factors ?? []).map((f) => [f.id, f.label]));
  const data = preview.data;
  const badUser = fieldErrors(preview.error).userId;
  const user = data?.user;
  return (
    <>
      <h3>How attempts draw the chain</h3>
      <form
        className="inline-form"
        aria-label="Preview the chain"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          preview.mutate({ version, userId: String(new FormData(e.currentTarget).get("userId") ?? "").trim() });
        }}
      >
        <label htmlFor={versionId}>Version to preview</label>
        <select id={versionId} value={version} onChange={(e) => setVersion(Number(e.target.value))}>
          {versions.map((v) => (
            <option key={v.version} value={v.version}>
              {v.version}
            </option>
          ))}
        </select>
        <TextField id={userFieldId} label="For user (optional)" error={badUser} name="userId" maxLength={128} autoComplete="off" />
        <button type="submit" disabled={preview.isPending}>
          Draw 5 chains
        </button>
      </form>
      {preview.isError && !badUser ? <p role="alert">{messageOf(preview.error)}</p> : null}
      {data ? (
        <div className="card" role="status" aria-label="Chain preview">
          <p className="verdict">
            {data.mode === "fixed"
              ? `Fixed order: every attempt passes the first ${data.requiredSteps} of ${data.factorCount} factors, in policy order.`
              : `Random order: each attempt draws ${data.requiredSteps} of ${data.factorCount} factors in a random order (${data.possibleChains} possible chains).`}
          </p>
          {user ? <UserPreview user={user} possibleChains={data.possibleChains} /> : null}
          {data.samples.length > 0 ? (
            <ol className="samples">
              {data.samples.map((chain, i) => (
                <li key={i}>{chain.map((id) => labels.get(id) ?? id).join(" → ")}</li>
              ))}
            </ol>
          ) : null}
          <p className="muted">
            {user
              ? `Drawn by the API with the same code as a new attempt, from the factors ${user.userId} has enrolled and confirmed, ` +
                `with version ${data.version}: for one user the preview is of the latest version, the one attempts start with.`
              : "Drawn by the API with the same code as a new attempt, with every factor taken as enrolled."}
          </p>
        </div>
      ) : null}
    </>
  );
}

/** What starting an attempt would find for the user: their enrolled factors, and what it would refuse them for. */
function UserPreview({ user, possibleChains }: { user: Schemas["UserChainPreview"]; possibleChains: number }) {
  return (
    <div data-testid="user-preview">
      <p>
        <strong>{user.userId}</strong> has enrolled{" "}
        {user.enrolled.length === 0 ? "none of this policy's factors" : user.enrolled.map((f) => `${f.label} (${f.type})`).join(", ")}.
      </p>
      {user.lockedUntil ? null : user.notEnrolled ? (
        <p className="state error">
          {user.userId} cannot start an attempt with this policy: {user.notEnrolled.message}.
        </p>
      ) : (
        <p>
          {possibleChains === 1 ? "One possible chain" : `${possibleChains} possible chains`} for {user.userId}.
        </p>
      )}
      {user.lockedUntil ? (
        <p className="state error">
          {user.userId} is locked out until <time dateTime={user.lockedUntil}>{when(user.lockedUntil)}</time>: no attempt starts before
          then, so there is no chain to draw.
        </p>
      ) : null}
    </div>
  );
}
