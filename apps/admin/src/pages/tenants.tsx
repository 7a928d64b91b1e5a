// The tenants an operator may work on (GET /console/tenants): searched by id prefix, paged, and chosen as the working
// tenant; an admin operator of every tenant creates new ones (POST /console/tenants).
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { api, fieldErrors, unwrap } from "../api/client";
import { messageOf, useTenant, type ConsoleSession } from "../session";
import { TextField } from "../ui/field";
import { when } from "../ui/states";
import { Listing } from "../ui/table";

export function Tenants({ session }: { session: ConsoleSession }) {
  const { tenant, setTenant } = useTenant();
  const client = useQueryClient();
  const headers = { "x-csrf-token": session.csrfToken };
  const [prefix, setPrefix] = useState("");
  const ids = { search: useId(), id: useId(), name: useId() };
  const tenants = useInfiniteQuery({
    queryKey: ["console-tenants", prefix],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/console/tenants", {
          params: { header: headers, query: { ...(prefix ? { prefix } : {}), ...(pageParam ? { after: pageParam } : {}), limit: "50" } },
        }),
      ),
    getNextPageParam: (last) => last.next,
  });
  const create = useMutation({
    mutationFn: async (body: { id: string; name: string }) =>
      unwrap(await api.POST("/console/tenants", { params: { header: headers }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["console-tenants"] }),
  });
  const mayCreate = session.operator.role === "admin" && session.operator.scope === null;
  const errors = fieldErrors(create.error);
  const search = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setPrefix(String(new FormData(event.currentTarget).get("prefix") ?? "").trim());
  };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    create.mutate({ id: String(data.get("id") ?? "").trim(), name: String(data.get("name") ?? "") });
  };
  const all = tenants.data?.pages.flatMap((p) => p.tenants) ?? [];

  return (
    <>
      <h1>Tenants</h1>
      <p>Working on: {tenant ? <strong>{tenant}</strong> : "no tenant yet — choose one below"}</p>
      <form role="search" onSubmit={search} className="inline-form" aria-label="Search tenants">
        <label htmlFor={ids.search}>Tenant id starts with</label>
        <input id={ids.search} name="prefix" defaultValue={prefix} pattern="[a-z0-9_\-]*" maxLength={64} />
        <button type="submit">Search</button>
      </form>
      <Listing
        query={tenants}
        what="tenants"
        items={all}
        empty={prefix ? `No tenant's id starts with "${prefix}".` : "There are no tenants yet."}
        caption="Tenants"
        columns={["Id", "Name", "Created", "Action"]}
        row={(t) => (
          <tr key={t.id}>
            <td>{t.id}</td>
            <td>{t.name}</td>
            <td>{when(t.createdAt)}</td>
            <td>
              {t.id === tenant ? (
                <span className="badge active">working on it</span>
              ) : session.operator.scope === null ? (
                <button type="button" onClick={() => setTenant(t.id)}>
                  Work on {t.id}
                </button>
              ) : null}
            </td>
          </tr>
        )}
      />
      {tenants.hasNextPage ? (
        <button type="button" onClick={() => void tenants.fetchNextPage()} disabled={tenants.isFetchingNextPage}>
          More tenants
        </button>
      ) : null}
      {mayCreate ? (
        <section aria-labelledby="new-tenant-title">
          <h2 id="new-tenant-title">New tenant</h2>
          <form onSubmit={submit} className="inline-form" aria-label="Create a tenant" noValidate>
            <TextField id={ids.id} label="New tenant id" error={errors.id} name="id" required maxLength={64} />
            <TextField id={ids.name} label="Tenant name" error={errors.name} name="name" required maxLength={200} />
            <button type="submit" disabled={create.isPending}>
              Create tenant
            </button>
          </form>
          {create.isError && Object.keys(errors).length === 0 ? <p role="alert">{messageOf(create.error)}</p> : null}
          {create.isSuccess ? <p role="status">Created {create.data.id}. Issue its first API key on the API keys screen.</p> : null}
        </section>
      ) : null}
    </>
  );
}
