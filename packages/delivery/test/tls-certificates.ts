// Test certificates made at run time with the openssl command line tool: a private CA and a server certificate it
// signs for localhost and 127.0.0.1 (smtp-server's bundled certificate has expired). Each call makes a new CA.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificates {
  /** PEM of the CA a client must trust. */
  readonly caPem: string;
  readonly serverKeyPem: string;
  readonly serverCertPem: string;
}

function openssl(args: readonly string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") {
      throw new Error("these tests need the openssl command line tool: install the Debian package openssl (apt-get install -y openssl)");
    }
    throw error;
  }
}

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "mfa-delivery-tls-"));
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
      [
        "req",
        "-x509",
        ...ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        `/CN=mfa-chain delivery test CA ${randomBytes(4).toString("hex")}`,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
      ],
      dir,
    );
    openssl(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], dir);
    writeFileSync(
      join(dir, "server.ext"),
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    openssl(
      [
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-set_serial",
        `0x${randomBytes(8).toString("hex")}`,
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
      ],
      dir,
    );
    return {
      caPem: readFileSync(join(dir, "ca.pem"), "utf8"),
      serverKeyPem: readFileSync(join(dir, "server.key"), "utf8"),
      serverCertPem: readFileSync(join(dir, "server.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
