// The hot-path queries (database/prepared.ts) run as named prepared statements on a PostgreSQL server: a connection
// parses and plans each once. Only the server keeps prepared statements per connection, so this runs only there.
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { prepared } from "../src/database/prepared.js";
import { useServerDatabase } from "./support/databases.js";

const database = useServerDatabase("prepared", { poolSize: 2 });

const byName = prepared(1, (d, name: string) => d.selectFrom("tenants").select("id").where("name", "=", name));

describe("hot-path queries on the server", () => {
  it("run as one named prepared statement per connection, reused by later calls", async () => {
    const statements = await database.current.db.connection().execute(async (conn) => {
      await byName.execute(conn, "a");
      await byName.execute(conn, "b");
      return (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(conn)).rows;
    });
    const ours = statements.filter((s) => s.statement.includes(`from "tenants" where "name" = $1`));
    expect(ours).toHaveLength(1);
    expect(ours[0]?.name).toMatch(/^mfa_\d+$/);
  });

  it("are prepared anew on a connection that replaced one the server ended", async () => {
    const db = database.current.db;
    await db.insertInto("tenants").values({ id: "prep-t", name: "prepared", created_at: new Date() }).execute();
    const pid = await db.connection().execute(async (conn) => {
      expect((await byName.execute(conn, "prepared")).rows).toEqual([{ id: "prep-t" }]);
      const own = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn)).rows[0]?.pid;
      // The server ends this connection (as a restart or failover would), from another connection of the pool.
      await sql`select pg_terminate_backend(${own}::int)`.execute(db);
      return own;
    });
    for (let i = 0; i < 3; i++) {
      try {
        await byName.execute(db, "prepared");
        break;
      } catch {
        // The pool hands out a connection the server ended: it fails once and is dropped.
      }
    }
    const again = await db.connection().execute(async (conn) => ({
      rows: (await byName.execute(conn, "prepared")).rows,
      pid: (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn)).rows[0]?.pid,
    }));
    expect(again.rows).toEqual([{ id: "prep-t" }]);
    expect(again.pid).not.toBe(pid);
  });
});
