// The vault's groups (GET /v1/vault/groups, PUT /v1/vault/groups/{groupId}): who is in each group, and which entries'
// grants name it (from the entries an admin lists); an admin operator creates a group, edits its members (the API's
// field errors at the fields) and removes it. A viewer operator sees the groups and members, and changes nothing.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { api, fieldErrors, unwrap, type Schemas } from "../api/client";
import { messageOf } from "../session";
import { TextField } from "../ui/field";
import { Listing } from "../ui/table";

type Entry = Schemas["VaultEntry"];
type Group = Schemas["VaultGroup"];

/** A group as shown: its members, and the grants that name it (a grant may name a group that has no members). */
interface GroupRow {
  readonly id: string;
  readonly members: readonly string[];
  readonly grants: readonly string[];
}

/** The groups with members, and the groups only grants name, each with the grants that name it, by id. */
function groupRows(groups: readonly Group[], entries: readonly Entry[] | undefined): GroupRow[] {
  const grants = new Map<string, string[]>();
  for (const e of entries ?? []) {
    for (const g of e.grants) {
      if (g.principal.kind === "group") grants.set(g.principal.id, [...(grants.get(g.principal.id) ?? []), `${e.name} (${g.permission})`]);
    }
  }
  const members = new Map(groups.map((g) => [g.id, g.members]));
  const ids = [...new Set([...members.keys(), ...grants.keys()])].sort();
  return ids.map((id) => ({ id, members: members.get(id) ?? [], grants: grants.get(id) ?? [] }));
}

/** Member ids as typed: separated by commas, spaces or new lines. */
const memberIds = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

/**
 * The API's field errors: the group id's (path `groupId`), and the members' (`members` or `members[i]`, said with the
 * member it is about).
 */
function groupErrors(error: unknown, members: readonly string[]): { groupId?: string; members?: string } {
  const out: { groupId?: string; members?: string } = {};
  for (const [path, message] of Object.entries(fieldErrors(error))) {
    const member = /^members\[(\d+)\]$/.exec(path);
    if (path === "groupId") out.groupId = message;
    else if (path === "members" || member) {
      const said = member ? `"${members[Number(member[1])] ?? ""}": ${message}` : message;
      out.members = out.members ? `${out.members}; ${said}` : said;
    }
  }
  return out;
}

/** The tenant's vault groups (one query, shared by this list and the grant form's suggestions). */
export const useVaultGroups = () =>
  useQuery({ queryKey: ["vault-groups"], queryFn: async () => unwrap(await api.GET("/v1/vault/groups")) });

export function VaultGroups({ admin, entries }: { admin: boolean; entries?: readonly Entry[] | undefined }) {
  const client = useQueryClient();
  const ids = { title: useId(), groupId: useId(), members: useId(), form: useId() };
  const groups = useVaultGroups();
  const [draft, setDraft] = useState({ groupId: "", members: "" });
  const [sent, setSent] = useState<string[]>([]);
  const save = useMutation({
    mutationFn: async (input: { groupId: string; members: string[] }) =>
      unwrap(
        await api.PUT("/v1/vault/groups/{groupId}", { params: { path: { groupId: input.groupId } }, body: { members: input.members } }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ["vault-groups"] }),
  });
  const errors = groupErrors(save.error, sent);
  const rows = groupRows(groups.data?.groups ?? [], entries);

  const put = (groupId: string, members: string[]) => {
    setSent(members);
    save.mutate({ groupId, members });
  };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    put(draft.groupId.trim(), memberIds(draft.members));
  };
  const saved = save.isSuccess ? save.data : null;

  return (
    <section aria-labelledby={ids.title}>
      <h2 id={ids.title}>Groups</h2>
      <p className="muted">
        A grant may name a group instead of a user: every member of the group then has it. Members are your user ids.
        {admin ? "" : " Only an admin operator changes groups."}
      </p>
      <Listing
        query={groups}
        what="vault groups"
        items={groups.isSuccess ? rows : undefined}
        empty="This tenant's vault has no groups."
        caption="Vault groups and their members"
        columns={["Group", "Members", admin && "Granted", admin && "Action"]}
        row={(g) => (
          <tr key={g.id}>
            <td>
              <code>{g.id}</code>
            </td>
            <td>{g.members.length === 0 ? <span className="muted">no members: its grants reach no one</span> : g.members.join(", ")}</td>
            {admin ? <td>{g.grants.length === 0 ? "—" : g.grants.join(", ")}</td> : null}
            {admin ? (
              <td>
                <button type="button" className="link" onClick={() => setDraft({ groupId: g.id, members: g.members.join(", ") })}>
                  Edit {g.id}
                </button>{" "}
                {g.members.length > 0 ? (
                  <button type="button" className="danger" onClick={() => put(g.id, [])} disabled={save.isPending}>
                    Remove {g.id}
                  </button>
                ) : null}
              </td>
            ) : null}
          </tr>
        )}
      />
      {admin ? (
        <>
          <h3 id={ids.form}>Create a group or set its members</h3>
          <form onSubmit={submit} className="inline-form" aria-labelledby={ids.form} noValidate autoComplete="off">
            <TextField
              id={ids.groupId}
              label="Group id"
              error={errors.groupId}
              name="groupId"
              required
              maxLength={64}
              value={draft.groupId}
              onChange={(e) => setDraft({ ...draft, groupId: e.target.value })}
            />
            <TextField
              id={ids.members}
              label="Members (user ids, separated by commas)"
              error={errors.members}
              name="members"
              value={draft.members}
              onChange={(e) => setDraft({ ...draft, members: e.target.value })}
            />
            <button type="submit" disabled={save.isPending}>
              Save the group
            </button>
          </form>
          <p className="muted">
            Saving replaces the members. A group with no members is removed; grants that name it stay, and reach whoever is added to it
            again.
          </p>
          {save.isError && !errors.groupId && !errors.members ? (
            <p role="alert" className="state error">
              {messageOf(save.error)}
            </p>
          ) : null}
          {saved ? (
            <p role="status">
              {saved.members.length === 0
                ? `Group ${saved.id} has no members now: it is removed.`
                : `Group ${saved.id}: ${saved.members.join(", ")}.`}
            </p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
