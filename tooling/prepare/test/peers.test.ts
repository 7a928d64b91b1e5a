// Which Debian peers are missing, and whether the test command installs them or stops saying how.
import { describe, expect, it } from "vitest";
import { installPlan, missingPeers, PEERS, postgresBinDir, type Machine } from "../lib/peers.mjs";

/** A machine with exactly these executables (and the folders they imply). */
function machineWith(
  executables: string[],
  env: Record<string, string> = { PATH: "/usr/local/bin:/usr/bin:/bin" },
  pgConfigBindir?: string,
): Machine {
  const files = new Set(executables);
  return {
    env,
    isExecutable: (path) => files.has(path),
    listDir: (dir) => [
      ...new Set([...files].filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1).split("/")[0] ?? "")),
    ],
    run: (file) => (file === "pg_config" && pgConfigBindir ? { status: 0, stdout: `${pgConfigBindir}\n` } : { status: 1, stdout: "" }),
  };
}

const EVERYTHING = [
  "/usr/bin/oathtool",
  "/usr/bin/zbarimg",
  "/usr/bin/chromium",
  "/usr/lib/postgresql/15/bin/initdb",
  "/usr/lib/postgresql/15/bin/pg_ctl",
  "/usr/lib/postgresql/15/bin/pg_dump",
  "/usr/bin/redis-server",
  "/usr/bin/openssl",
];

const names = (machine: Machine) => missingPeers(machine).map((p) => p.debianPackage);

describe("missing peers", () => {
  it("none on a machine that has them all", () => {
    expect(names(machineWith(EVERYTHING))).toEqual([]);
  });

  it("every Debian package on a bare machine, the PostgreSQL client only through the server package", () => {
    expect(names(machineWith([]))).toEqual(["oathtool", "zbar-tools", "chromium", "postgresql", "redis-server", "openssl"]);
  });

  it("names each program by the package that provides it", () => {
    const bare = machineWith(EVERYTHING.filter((f) => !f.endsWith("/zbarimg") && !f.endsWith("/pg_dump")));
    expect(missingPeers(bare).map((p) => [p.debianPackage, p.provides])).toEqual([
      ["zbar-tools", "zbarimg"],
      ["postgresql-client", "pg_dump"],
    ]);
  });

  it("looks for programs on PATH, and for Chromium where the browser test launches it", () => {
    const elsewhere = EVERYTHING.map((f) => f.replace(/^\/usr\/bin\/(oathtool|chromium)$/, "/opt/bin/$1"));
    expect(names(machineWith(elsewhere))).toEqual(["oathtool", "chromium"]);
    expect(names(machineWith(elsewhere, { PATH: "/opt/bin:/usr/bin" }))).toEqual(["chromium"]);
  });

  it("finds the server binaries as the PostgreSQL harness does: PG_BIN_DIR, the newest /usr/lib/postgresql/<n>, pg_config", () => {
    const two = machineWith([
      "/usr/lib/postgresql/13/bin/initdb",
      "/usr/lib/postgresql/13/bin/pg_ctl",
      "/usr/lib/postgresql/16/bin/initdb",
      "/usr/lib/postgresql/16/bin/pg_ctl",
    ]);
    expect(postgresBinDir(two)).toBe("/usr/lib/postgresql/16/bin");
    expect(postgresBinDir(machineWith(["/srv/pg/initdb", "/srv/pg/pg_ctl"], { PATH: "", PG_BIN_DIR: "/srv/pg" }))).toBe("/srv/pg");
    expect(postgresBinDir(machineWith([], { PATH: "", PG_BIN_DIR: "/srv/pg" }))).toBeNull();
    expect(
      postgresBinDir(machineWith(["/usr/bin/pg_config", "/opt/pg/bin/initdb", "/opt/pg/bin/pg_ctl"], { PATH: "/usr/bin" }, "/opt/pg/bin")),
    ).toBe("/opt/pg/bin");
    expect(postgresBinDir(machineWith(["/usr/lib/postgresql/15/bin/initdb"]))).toBeNull();
  });
});

describe("installing them", () => {
  const missing = PEERS.filter((p) => p.debianPackage === "oathtool" || p.debianPackage === "zbar-tools");
  const debian = { uid: 1000, aptGet: true, sudo: false, optOut: false };

  it("nothing to do when nothing is missing", () => {
    expect(installPlan([], { ...debian, uid: 0 })).toEqual({ kind: "nothing" });
    expect(installPlan([], { ...debian, aptGet: false })).toEqual({ kind: "nothing" });
  });

  it("as root with apt-get, or with passwordless sudo", () => {
    expect(installPlan(missing, { ...debian, uid: 0 })).toEqual({ kind: "install", prefix: [], packages: ["oathtool", "zbar-tools"] });
    expect(installPlan(missing, { ...debian, sudo: true })).toEqual({
      kind: "install",
      prefix: ["sudo", "-n"],
      packages: ["oathtool", "zbar-tools"],
    });
  });

  it("otherwise stops, naming the packages, what they provide and the command that installs them", () => {
    const plan = installPlan(missing, debian);
    expect(plan.kind).toBe("stop");
    const message = plan.kind === "stop" ? plan.message : "";
    expect(message).toContain("oathtool (oathtool), zbar-tools (zbarimg)");
    expect(message).toContain("not root and has no passwordless sudo");
    expect(message).toContain("apt-get update && apt-get install -y --no-install-recommends oathtool zbar-tools");
  });

  it("stops with MFA_TEST_INSTALL=no even as root, and names Debian's packages as such without apt-get", () => {
    const optedOut = installPlan(missing, { ...debian, uid: 0, optOut: true });
    expect(optedOut.kind === "stop" && optedOut.message).toMatch(
      /MFA_TEST_INSTALL=no[\s\S]*apt-get install -y --no-install-recommends oathtool zbar-tools/,
    );
    const elsewhere = installPlan(missing, { ...debian, uid: 0, aptGet: false });
    expect(elsewhere.kind === "stop" && elsewhere.message).toMatch(/no apt-get here; these are Debian's package names/);
  });
});
