// One transaction of the raw floor: the API's verify statements (api-statements.mjs) on a pg pool, for the i-th
// seeded attempt. Shared by the raw floor (run.mjs, the driver alone) and the stack floor (stack-floor.mjs, the same
// statements behind express), so that both run exactly the same database work.

/** Runs the optimistic read and the guarded write for seeded attempt `i`; throws unless both did what a verify does. */
export async function floorTransaction(pool, sql, i, users) {
  const v = {
    user: `u${i % users}`,
    attempt: `a${i}`,
    credential: `c${i % users}`,
    step: Math.floor(i / users) + 1, // increasing per credential, in queue order
    at: new Date(),
    expiresAt: null,
  };
  const row = (await pool.query({ name: "floor_read", text: sql.read.text, values: sql.read.values(v) })).rows[0];
  if (!row || row.c_id === null || row.consecutive_failures === null) throw new Error("floor rows missing");
  if (!row.c_material || row.c_material.lastTimeStep === undefined) throw new Error("floor material missing");
  if (row.version !== 1 || row.consecutive_failures !== 0) throw new Error("floor attempt or counter not as seeded");
  v.expiresAt = row.expires_at;
  const written = (await pool.query({ name: "floor_write", text: sql.write.text, values: sql.write.values(v) })).rows[0];
  if (Number(written.updated) !== 1 || Number(written.claimed) !== 1) throw new Error("floor step not written");
}
