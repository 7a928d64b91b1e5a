// The shared vault (admin operators): the tenant's entries (name, kind, created), adding one (the seed typed into a
// password field, sent once and never shown back), an entry's grants (user:<id> or group:<id>, granted and revoked),
// and reading its current code, shown once with how long it stays valid (each read is audited by the API). A viewer
// operator is refused by the API (a code read is audited, and an HOTP read moves its counter): the screen says so, and
// shows the vault's groups and their members (vault-groups.tsx), which a viewer may read.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState, type FormEvent, type ReactNode } from "react";
import { api, ProblemError, unwrap, type Schemas } from "../api/client";
import { isAdmin, messageOf, type ConsoleSession } from "../session";
import { Empty, when } from "../ui/states";
import { Listing, Table } from "../ui/table";
import { useVaultGroups, VaultGroups } from "./vault-groups";

type Entry = Schemas["VaultEntry"];
type Code = Schemas["VaultCode"];
type Grant = Schemas["VaultGrant"];
type AddBody = Schemas["AddVaultEntry"];

export function Vault({ session }: { session: ConsoleSession }) {
  if (!isAdmin(session)) {
    return (
      <>
        <h1>Vault</h1>
        <p className="state">
          Only admin operators use the shared vault: reading a code is audited (and moves an HOTP entry's counter), so a viewer operator
          neither lists its entries nor reads their codes. The groups that grants may name are shown below.
        </p>
        <VaultGroups admin={false} />
      </>
    );
  }
  return <VaultManager />;
}

/**
 * The problem's field errors, by field: invalid_request's (`path`) and invalid_seed's (`field`). A URI's problems
 * (`uri`, `uri.secret`, …) and the secret's belong to the seed field, which takes either.
 */
function seedErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ProblemError) || !Array.isArray(error.problem.errors)) return {};
  const out: Record<string, string> = {};
  for (const e of error.problem.errors as { path?: string; field?: string; message: string }[]) {
    const raw = e.path ?? e.field ?? "";
    const key = raw === "secret" || raw === "uri" || raw.startsWith("uri.") ? "seed" : raw.split(".")[0] || "seed";
    out[key] = out[key] ? `${out[key]}; ${e.message}` : e.message;
  }
  return out;
}

/** Each kind of entry (an otpauth URI's type, not a factor kind): what it is called, and whether time or a counter moves it. */
const ENTRY_KINDS: Record<Entry["type"], { readonly label: string; readonly timeBased: boolean }> = {
  totp: { label: "TOTP (time-based)", timeBased: true },
  hotp: { label: "HOTP (counter-based)", timeBased: false },
};
const entryKind = (value: string): Entry["type"] => (Object.hasOwn(ENTRY_KINDS, value) ? (value as Entry["type"]) : "totp");

const kindOf = (e: Entry): string =>
  ENTRY_KINDS[e.type].timeBased
    ? `TOTP · ${e.algorithm} · ${e.digits} digits · ${e.period ?? 30} s`
    : `HOTP · ${e.algorithm} · ${e.digits} digits · counter ${e.counter ?? 0}`;

const principalOf = (g: Grant["principal"]): string => `${g.kind}:${g.id}`;

function VaultManager() {
  const client = useQueryClient();
  const [selected, setSelected] = useState<string | null>(null);
  const entries = useQuery({ queryKey: ["vault-entries"], queryFn: async () => unwrap(await api.GET("/v1/vault/entries")) });
  const entry = entries.data?.entries.find((e) => e.id === selected) ?? null;

  return (
    <>
      <h1>Vault</h1>
      <p className="muted">
        Shared TOTP and HOTP seeds of accounts that allow one user. A seed is sealed by the API and never shown again; a code read here is
        recorded in the audit trail with your operator id.
      </p>
      <Listing
        query={entries}
        what="vault entries"
        items={entries.data?.entries}
        empty="This tenant's vault has no entries."
        caption="Vault entries of the tenant"
        columns={["Name", "Kind", "Issuer / account", "Created", "Action"]}
        row={(e) => (
          <tr key={e.id}>
            <td>{e.name}</td>
            <td>{kindOf(e)}</td>
            <td>{[e.issuer, e.accountName].filter(Boolean).join(" / ") || "—"}</td>
            <td>{when(e.createdAt)}</td>
            <td>
              <button
                type="button"
                className="link"
                aria-pressed={selected === e.id}
                onClick={() => setSelected(selected === e.id ? null : e.id)}
              >
                Open {e.name}
              </button>
            </td>
          </tr>
        )}
      />
      {entry ? <EntryPanel key={entry.id} entry={entry} onDeleted={() => setSelected(null)} /> : null}
      <VaultGroups admin entries={entries.data?.entries} />
      <AddEntry
        onAdded={(added) => {
          void client.invalidateQueries({ queryKey: ["vault-entries"] });
          setSelected(added.id);
        }}
      />
    </>
  );
}

function AddEntry({ onAdded }: { onAdded: (entry: Entry) => void }) {
  const base = useId();
  const add = useMutation({
    mutationFn: async (body: AddBody) => unwrap(await api.POST("/v1/vault/entries", { body })),
  });
  const errors = seedErrors(add.error);
  const shownAt = new Set<string>();
  const field = (name: string) => `${base}-${name}`;

  // A labelled field with the API's error for it (a render function, not a component: inputs keep focus).
  const fieldBox = (name: string, label: string, help: string | null, input: (describedBy: string | undefined) => ReactNode) => {
    const message = errors[name];
    if (message) shownAt.add(name);
    const describedBy =
      [help ? `${field(name)}-help` : null, message ? `${field(name)}-error` : null].filter(Boolean).join(" ") || undefined;
    return (
      <div className={message ? "field invalid" : "field"}>
        <label htmlFor={field(name)}>{label}</label>
        {input(describedBy)}
        {help ? (
          <p id={`${field(name)}-help`} className="muted">
            {help}
          </p>
        ) : null}
        {message ? (
          <p id={`${field(name)}-error`} className="field-error">
            {message}
          </p>
        ) : null}
      </div>
    );
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const text = (k: string) => String(data.get(k) ?? "").trim();
    const seed = text("seed");
    const body: AddBody = seed.toLowerCase().startsWith("otpauth://")
      ? { name: text("name"), uri: seed }
      : {
          name: text("name"),
          secret: seed,
          type: entryKind(text("type")),
          algorithm: text("algorithm"),
          digits: Number(text("digits")),
          ...(ENTRY_KINDS[entryKind(text("type"))].timeBased ? { period: Number(text("period")) } : {}),
          ...(text("issuer") ? { issuer: text("issuer") } : {}),
          ...(text("accountName") ? { accountName: text("accountName") } : {}),
        };
    add.mutate(body, {
      onSuccess: (added) => {
        form.reset();
        onAdded(added);
      },
    });
  };

  const invalid = (name: string) => (errors[name] ? true : undefined);
  const form = (
    <form onSubmit={submit} aria-label="Add a vault entry" noValidate autoComplete="off">
      {fieldBox("name", "Entry name", null, (d) => (
        <input id={field("name")} name="name" required maxLength={200} aria-invalid={invalid("name")} aria-describedby={d} />
      ))}
      {fieldBox("seed", "Seed", "The secret in base32, or an otpauth:// URI (whose parameters then replace the ones below).", (d) => (
        <input
          id={field("seed")}
          name="seed"
          type="password"
          required
          autoComplete="off"
          spellCheck={false}
          aria-invalid={invalid("seed")}
          aria-describedby={d}
        />
      ))}
      {fieldBox("type", "Kind", null, (d) => (
        <select id={field("type")} name="type" defaultValue="totp" aria-describedby={d}>
          {Object.entries(ENTRY_KINDS).map(([value, kind]) => (
            <option key={value} value={value}>
              {kind.label}
            </option>
          ))}
        </select>
      ))}
      {fieldBox("algorithm", "Algorithm", null, (d) => (
        <select id={field("algorithm")} name="algorithm" defaultValue="SHA1" aria-describedby={d}>
          <option value="SHA1">SHA1</option>
          <option value="SHA256">SHA256</option>
          <option value="SHA512">SHA512</option>
        </select>
      ))}
      {fieldBox("digits", "Digits", null, (d) => (
        <select id={field("digits")} name="digits" defaultValue="6" aria-describedby={d}>
          <option value="6">6</option>
          <option value="8">8</option>
        </select>
      ))}
      {fieldBox("period", "Period (TOTP)", null, (d) => (
        <select id={field("period")} name="period" defaultValue="30" aria-describedby={d}>
          <option value="30">30 s</option>
          <option value="60">60 s</option>
        </select>
      ))}
      {fieldBox("issuer", "Issuer (optional)", null, (d) => (
        <input id={field("issuer")} name="issuer" maxLength={200} aria-invalid={invalid("issuer")} aria-describedby={d} />
      ))}
      {fieldBox("accountName", "Account (optional)", null, (d) => (
        <input id={field("accountName")} name="accountName" maxLength={200} aria-invalid={invalid("accountName")} aria-describedby={d} />
      ))}
      <button type="submit" disabled={add.isPending}>
        Add the entry
      </button>
    </form>
  );
  const unplaced = Object.keys(errors).some((k) => !shownAt.has(k));
  return (
    <section aria-labelledby={`${base}-title`}>
      <h2 id={`${base}-title`}>Add an entry</h2>
      {form}
      {add.isError && (unplaced || Object.keys(errors).length === 0) ? (
        <p role="alert" className="state error">
          {messageOf(add.error)}
        </p>
      ) : null}
      {add.isSuccess ? <p role="status">Added {add.data.name}. Its seed is sealed and will not be shown again.</p> : null}
    </section>
  );
}

function EntryPanel({ entry, onDeleted }: { entry: Entry; onDeleted: () => void }) {
  const client = useQueryClient();
  const ids = { kind: useId(), id: useId(), permission: useId(), title: useId(), groups: useId() };
  const groups = useVaultGroups();
  const refresh = (updated: Entry) => {
    client.setQueryData(["vault-entries"], (old: { entries: Entry[] } | undefined) =>
      old ? { entries: old.entries.map((e) => (e.id === updated.id ? updated : e)) } : old,
    );
  };
  const path = { params: { path: { entryId: entry.id } } };
  const grant = useMutation({
    mutationFn: async (body: Grant) => unwrap(await api.POST("/v1/vault/entries/{entryId}/grants", { ...path, body })),
    onSuccess: refresh,
  });
  const revoke = useMutation({
    mutationFn: async (body: Grant) => unwrap(await api.POST("/v1/vault/entries/{entryId}/grants/revoke", { ...path, body })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async () => {
      const result = await api.DELETE("/v1/vault/entries/{entryId}", path);
      if (!result.response.ok) unwrap(result);
    },
    onSuccess: async () => {
      onDeleted();
      await client.invalidateQueries({ queryKey: ["vault-entries"] });
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const kind = String(data.get("kind")) === "group" ? "group" : "user";
    const permission = String(data.get("permission")) === "manage" ? "manage" : "read_code";
    grant.mutate({ principal: { kind, id: String(data.get("id") ?? "").trim() }, permission }, { onSuccess: () => form.reset() });
  };

  return (
    <section aria-labelledby={ids.title} className="card">
      <h2 id={ids.title}>Entry {entry.name}</h2>
      <CodeReader entry={entry} />
      <h3>Grants</h3>
      {entry.grants.length === 0 ? (
        <Empty>No user or group has a grant on this entry (admin operators and admin keys use it anyway).</Empty>
      ) : (
        <Table caption={`Grants of ${entry.name}`} columns={["Principal", "Permission", "Action"]}>
          {entry.grants.map((g) => (
            <tr key={`${principalOf(g.principal)} ${g.permission}`}>
              <td>
                <code>{principalOf(g.principal)}</code>
              </td>
              <td>{g.permission}</td>
              <td>
                <button type="button" className="danger" onClick={() => revoke.mutate(g)} disabled={revoke.isPending}>
                  Revoke {g.permission} of {principalOf(g.principal)}
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
      {revoke.isError ? (
        <p role="alert" className="state error">
          {messageOf(revoke.error)}
        </p>
      ) : null}
      <form onSubmit={submit} className="inline-form" aria-label={`Grant access to ${entry.name}`}>
        <label htmlFor={ids.kind}>Principal kind</label>
        <select id={ids.kind} name="kind" defaultValue="user">
          <option value="user">user</option>
          <option value="group">group</option>
        </select>
        <label htmlFor={ids.id}>User or group id</label>
        <input id={ids.id} name="id" required maxLength={128} list={ids.groups} />
        <datalist id={ids.groups}>
          {(groups.data?.groups ?? []).map((g) => (
            <option key={g.id} value={g.id} />
          ))}
        </datalist>
        <label htmlFor={ids.permission}>Permission</label>
        <select id={ids.permission} name="permission" defaultValue="read_code">
          <option value="read_code">read_code (read codes)</option>
          <option value="manage">manage (also grants and deletion)</option>
        </select>
        <button type="submit" disabled={grant.isPending}>
          Grant
        </button>
      </form>
      {grant.isError ? (
        <p role="alert" className="state error">
          {messageOf(grant.error)}
        </p>
      ) : null}
      <p>
        <button type="button" className="danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
          Delete {entry.name}
        </button>
      </p>
      {remove.isError ? (
        <p role="alert" className="state error">
          {messageOf(remove.error)}
        </p>
      ) : null}
    </section>
  );
}

/** Reads the entry's current code on request: shown once, counting down its validity, then gone. */
function CodeReader({ entry }: { entry: Entry }) {
  const [shown, setShown] = useState<{ code: Code; until: number | null } | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const read = useMutation({
    mutationFn: async () => unwrap(await api.GET("/v1/vault/entries/{entryId}/code", { params: { path: { entryId: entry.id } } })),
    // The API's remainingSeconds (its clock decides), counted down from now on this machine's.
    onSuccess: (code) => {
      setNow(Date.now());
      setShown({ code, until: code.remainingSeconds === null ? null : Date.now() + code.remainingSeconds * 1000 });
    },
  });
  useEffect(() => {
    if (shown?.until == null) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [shown]);
  const left = shown?.until == null ? null : Math.max(0, Math.ceil((shown.until - now) / 1000));
  const expired = left === 0;

  return (
    <>
      <p>
        <button type="button" onClick={() => read.mutate()} disabled={read.isPending}>
          Read the code of {entry.name}
        </button>{" "}
        <span className="muted">
          Each read is recorded in the audit trail{ENTRY_KINDS[entry.type].timeBased ? "" : " and uses up one HOTP counter"}.
        </span>
      </p>
      {read.isError ? (
        <p role="alert" className="state error">
          {messageOf(read.error)}
        </p>
      ) : null}
      {shown && !expired ? (
        <div className="card shown-once" role="status" aria-label={`Code of ${entry.name}`}>
          <p>
            <code data-testid="vault-code">{shown.code.code}</code>
          </p>
          {ENTRY_KINDS[shown.code.type].timeBased && shown.code.validUntil ? (
            <p>
              Valid for <span data-testid="vault-code-left">{left}</span> more seconds (until{" "}
              <time dateTime={shown.code.validUntil}>{new Date(shown.code.validUntil).toLocaleTimeString()}</time>).
              {shown.code.next ? (
                <>
                  {" "}
                  Next code: <code>{shown.code.next.code}</code>, until{" "}
                  <time dateTime={shown.code.next.validUntil}>{new Date(shown.code.next.validUntil).toLocaleTimeString()}</time>.
                </>
              ) : null}
            </p>
          ) : (
            <p>HOTP counter {shown.code.counter}: valid until it is used.</p>
          )}
          <p className="muted">Shown once: it is not kept here, and reading it again makes another audited read.</p>
          <button
            type="button"
            onClick={() => {
              setShown(null);
              read.reset();
            }}
          >
            Hide the code
          </button>
        </div>
      ) : shown && expired ? (
        <p role="status">The code has expired. Read it again for a new one.</p>
      ) : null}
    </>
  );
}
