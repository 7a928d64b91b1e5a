// The tenant's policies: the list, and an editor (create, or a new version) that shows the API's problem+json errors
// next to the fields they name.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "@tanstack/react-router";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { api, fieldErrors, unwrap, type Schemas } from "../api/client";
import { isAdmin, messageOf, type ConsoleSession } from "../session";
import { Failure, Loading } from "../ui/states";
import { Listing } from "../ui/table";
import { PolicyHistory } from "./policy-history";

type Policy = Schemas["Policy"];
type FactorType = Schemas["PolicyFactor"]["type"];

export function PolicyList({ session }: { session: ConsoleSession }) {
  const policies = useQuery({ queryKey: ["policies"], queryFn: async () => unwrap(await api.GET("/v1/policies")) });
  return (
    <>
      <h1>Policies</h1>
      {isAdmin(session) ? (
        <p>
          <Link to="/policies/$policyId" params={{ policyId: "new" }} className="button">
            New policy
          </Link>
        </p>
      ) : null}
      <Listing
        query={policies}
        what="policies"
        items={policies.data?.policies}
        empty="This tenant has no policies yet."
        caption="Policies, latest versions"
        columns={["Id", "Name", "Mode", "Steps", "Factors", "Version"]}
        row={(p) => (
          <tr key={p.id}>
            <td>
              <Link to="/policies/$policyId" params={{ policyId: p.id }}>
                {p.id}
              </Link>
            </td>
            <td>{p.name}</td>
            <td>{p.mode}</td>
            <td>{p.requiredSteps}</td>
            <td>{p.factors.map((f) => `${f.label} (${f.type})`).join(", ")}</td>
            <td>{p.version}</td>
          </tr>
        )}
      />
    </>
  );
}

interface Draft {
  id: string;
  name: string;
  mode: "fixed" | "random";
  requiredSteps: string;
  factors: { id: string; label: string; type: FactorType }[];
}

const blank: Draft = {
  id: "",
  name: "",
  mode: "fixed",
  requiredSteps: "1",
  factors: [{ id: "app", label: "Authenticator app", type: "totp" }],
};
const draftOf = (p: Policy): Draft => ({
  id: p.id,
  name: p.name,
  mode: p.mode,
  requiredSteps: String(p.requiredSteps),
  factors: p.factors.map((f) => ({ id: f.id, label: f.label, type: f.type })),
});

export function PolicyEditor({ session, factorTypes }: { session: ConsoleSession; factorTypes: readonly FactorType[] }) {
  const { policyId } = useParams({ from: "/policies/$policyId" });
  const creating = policyId === "new";
  const policy = useQuery({
    queryKey: ["policy", policyId],
    queryFn: async () => unwrap(await api.GET("/v1/policies/{policyId}", { params: { path: { policyId } } })),
    enabled: !creating,
  });
  if (!creating && policy.isPending) return <Loading what="the policy" />;
  if (!creating && policy.isError) return <Failure error={policy.error} retry={() => void policy.refetch()} />;
  return (
    <>
      <Editor
        key={policyId}
        initial={creating ? blank : draftOf(policy.data as Policy)}
        creating={creating}
        readOnly={!isAdmin(session)}
        factorTypes={factorTypes}
      />
      {creating ? null : <PolicyHistory policyId={policyId} />}
    </>
  );
}

function Editor({
  initial,
  creating,
  readOnly,
  factorTypes,
}: {
  initial: Draft;
  creating: boolean;
  readOnly: boolean;
  factorTypes: readonly FactorType[];
}) {
  const [draft, setDraft] = useState<Draft>(initial);
  const client = useQueryClient();
  const navigate = useNavigate();
  const base = useId();
  const save = useMutation({
    mutationFn: async (d: Draft) => {
      const definition = { name: d.name, mode: d.mode, requiredSteps: Number(d.requiredSteps), factors: d.factors };
      return creating
        ? unwrap(await api.POST("/v1/policies", { body: { id: d.id, ...definition } }))
        : unwrap(await api.PUT("/v1/policies/{policyId}", { params: { path: { policyId: d.id } }, body: definition }));
    },
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: ["policies"] });
      await client.invalidateQueries({ queryKey: ["policy-versions"] });
      client.setQueryData(["policy", saved.id], saved);
      await navigate({ to: "/policies/$policyId", params: { policyId: saved.id } });
    },
  });
  const errors = fieldErrors(save.error);
  const claimed = new Set<string>();
  const errorFor = (...paths: string[]) => {
    const found = paths.filter((p) => errors[p]);
    found.forEach((p) => claimed.add(p));
    return found.map((p) => errors[p]).join("; ") || undefined;
  };
  const field = (name: string) => `${base}-${name}`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(draft);
  };
  const setFactor = (i: number, patch: Partial<Draft["factors"][number]>) =>
    setDraft({ ...draft, factors: draft.factors.map((f, j) => (j === i ? { ...f, ...patch } : f)) });

  // A labelled field with the API's error for it (a render function, not a component: inputs keep focus while typing).
  const fieldBox = (name: string, label: string, paths: string[], children: (describedBy?: string) => ReactNode) => {
    const message = errorFor(...paths);
    return (
      <div key={name} className={message ? "field invalid" : "field"}>
        <label htmlFor={field(name)}>{label}</label>
        {children(message ? `${field(name)}-error` : undefined)}
        {message ? (
          <p id={`${field(name)}-error`} className="field-error">
            {message}
          </p>
        ) : null}
      </div>
    );
  };

  const fieldsOut = (
    <>
      {fieldBox("id", "Policy id", ["id"], (d) => (
        <input
          id={field("id")}
          value={draft.id}
          readOnly={!creating || readOnly}
          required
          aria-invalid={d ? true : undefined}
          aria-describedby={d}
          onChange={(e) => setDraft({ ...draft, id: e.target.value })}
        />
      ))}
      {fieldBox("name", "Name", ["name"], (d) => (
        <input
          id={field("name")}
          value={draft.name}
          readOnly={readOnly}
          aria-invalid={d ? true : undefined}
          aria-describedby={d}
          onChange={(e) => setDraft({ ...draft, name: e.target.value })}
        />
      ))}
      {fieldBox("mode", "Mode", ["mode"], (d) => (
        <select
          id={field("mode")}
          value={draft.mode}
          disabled={readOnly}
          aria-describedby={d}
          onChange={(e) => setDraft({ ...draft, mode: e.target.value as Draft["mode"] })}
        >
          <option value="fixed">fixed (in order)</option>
          <option value="random">random (drawn per attempt)</option>
        </select>
      ))}
      {fieldBox("requiredSteps", "Required steps", ["requiredSteps"], (d) => (
        <input
          id={field("requiredSteps")}
          type="number"
          value={draft.requiredSteps}
          readOnly={readOnly}
          aria-invalid={d ? true : undefined}
          aria-describedby={d}
          onChange={(e) => setDraft({ ...draft, requiredSteps: e.target.value })}
        />
      ))}
      <fieldset>
        <legend>Factors</legend>
        {draft.factors.map((f, i) => (
          <div key={i} className="factor-row">
            {fieldBox(`f${i}-id`, `Factor ${i + 1} id`, [`factors[${i}].id`, `factors[${i}]`], (d) => (
              <input
                id={field(`f${i}-id`)}
                value={f.id}
                readOnly={readOnly}
                aria-invalid={d ? true : undefined}
                aria-describedby={d}
                onChange={(e) => setFactor(i, { id: e.target.value })}
              />
            ))}
            {fieldBox(`f${i}-label`, `Factor ${i + 1} label`, [`factors[${i}].label`], (d) => (
              <input
                id={field(`f${i}-label`)}
                value={f.label}
                readOnly={readOnly}
                aria-invalid={d ? true : undefined}
                aria-describedby={d}
                onChange={(e) => setFactor(i, { label: e.target.value })}
              />
            ))}
            {fieldBox(`f${i}-type`, `Factor ${i + 1} kind`, [`factors[${i}].type`], (d) => (
              <select
                id={field(`f${i}-type`)}
                value={f.type}
                disabled={readOnly}
                aria-describedby={d}
                onChange={(e) => setFactor(i, { type: e.target.value as FactorType })}
              >
                {factorTypes.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            ))}
            {readOnly || draft.factors.length === 1 ? null : (
              <button
                type="button"
                className="link"
                onClick={() => setDraft({ ...draft, factors: draft.factors.filter((_, j) => j !== i) })}
              >
                Remove factor {i + 1}
              </button>
            )}
          </div>
        ))}
        {readOnly ? null : (
          <button
            type="button"
            onClick={() =>
              setDraft({ ...draft, factors: [...draft.factors, { id: `factor_${draft.factors.length + 1}`, label: "", type: "totp" }] })
            }
          >
            Add a factor
          </button>
        )}
      </fieldset>
    </>
  );
  const unclaimed = Object.keys(errors).filter((p) => !claimed.has(p));

  return (
    <>
      <h1>{creating ? "New policy" : `Policy ${initial.id}`}</h1>
      <p>
        <Link to="/policies">All policies</Link>
      </p>
      <form onSubmit={submit} noValidate className="card editor" aria-label="Policy">
        {fieldsOut}
        {save.isError ? (
          <div role="alert" className="state error">
            <p>{messageOf(save.error)}</p>
            {unclaimed.length > 0 ? (
              <ul>
                {unclaimed.map((p) => (
                  <li key={p}>
                    {p}: {errors[p]}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        {save.isSuccess ? <p role="status">Saved version {save.data.version}.</p> : null}
        {readOnly ? (
          <p className="muted">Viewers cannot change policies.</p>
        ) : (
          <button type="submit" disabled={save.isPending}>
            {save.isPending ? "Saving…" : creating ? "Create policy" : "Save a new version"}
          </button>
        )}
      </form>
    </>
  );
}
