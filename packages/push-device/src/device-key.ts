// The device's key pair and its key file. The private key lives only in that file (mode 0600, written atomically) and
// in memory; it is never printed, logged or serialized elsewhere.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { inspect } from "node:util";
import { isPushAlgorithm, isPushApiBaseUrl, isPushDisplayText, isPushId, type PushAlgorithm } from "@mfa-chain/domain";
import { PushDeviceError } from "./push-device.errors.js";

export const KEY_FILE_FORMAT = "mfa-chain-push-device/1";

/** What the device knows of the account it is enrolled for. */
export interface DeviceEnrollment {
  readonly apiBaseUrl: string;
  readonly tenantId: string;
  readonly userId: string;
  /** The push credential's id: the device id in every route and poll. */
  readonly deviceId: string;
  readonly deviceName: string;
  readonly label?: string;
}

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");

/** Each algorithm's key generation, key check and signature, in the protocol's encoding. */
const ALGORITHMS: Readonly<
  Record<PushAlgorithm, { generate(): KeyObject; fits(key: KeyObject): boolean; sign(data: Buffer, key: KeyObject): Buffer }>
> = {
  ES256: {
    generate: () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey,
    fits: (key) => key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1",
    // IEEE P1363 (r‖s, 64 bytes), as WebCrypto signs; node's default would be DER, which the protocol refuses.
    sign: (data, key) => sign("sha256", data, { key, dsaEncoding: "ieee-p1363" }),
  },
  Ed25519: {
    generate: () => generateKeyPairSync("ed25519").privateKey,
    fits: (key) => key.asymmetricKeyType === "ed25519",
    sign: (data, key) => sign(null, data, key),
  },
};

/** A key pair of one of the protocol's algorithms. Signs with the protocol's encoding (ES256: IEEE P1363 r‖s). */
export class DeviceKey {
  readonly #privateKey: KeyObject;

  private constructor(
    readonly algorithm: PushAlgorithm,
    privateKey: KeyObject,
  ) {
    this.#privateKey = privateKey;
  }

  static generate(algorithm: PushAlgorithm): DeviceKey {
    return new DeviceKey(algorithm, ALGORITHMS[algorithm].generate());
  }

  /** From PKCS#8 DER; refused unless the key is of the algorithm named. */
  static fromPkcs8(algorithm: PushAlgorithm, pkcs8: Uint8Array): DeviceKey {
    const key = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
    if (!ALGORITHMS[algorithm].fits(key))
      throw new PushDeviceError("key_file_invalid", `the key file's private key is not an ${algorithm} key`);
    return new DeviceKey(algorithm, key);
  }

  /** The public key as the protocol sends it: base64url of its SPKI DER. */
  get publicKey(): string {
    return base64url(createPublicKey(this.#privateKey).export({ format: "der", type: "spki" }));
  }

  /** base64url of the signature of the UTF-8 of `message`: 64 bytes for both algorithms. */
  sign(message: string): string {
    return base64url(ALGORITHMS[this.algorithm].sign(Buffer.from(message, "utf8"), this.#privateKey));
  }

  pkcs8(): Buffer {
    return this.#privateKey.export({ format: "der", type: "pkcs8" });
  }

  toJSON(): string {
    return `DeviceKey(${this.algorithm})`;
  }

  [inspect.custom](): string {
    return `DeviceKey(${this.algorithm})`;
  }
}

export interface DeviceState {
  readonly key: DeviceKey;
  readonly enrollment: DeviceEnrollment;
}

interface KeyFileJson {
  format: string;
  algorithm: string;
  privateKey: string;
  enrollment: DeviceEnrollment;
}

/** The mode bits that let anyone but the owner read or write a file. */
const NOT_OWNER_ONLY = 0o077;

/** Writes the key file with mode 0600, atomically (a temporary file in the same folder, then a rename). */
export async function writeKeyFile(path: string, state: DeviceState, options: { readonly overwrite?: boolean } = {}): Promise<void> {
  if (options.overwrite !== true && (await exists(path))) {
    throw new PushDeviceError("key_file_exists", `${path} exists already: enroll with another --key-file, or remove it first`);
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const json: KeyFileJson = {
    format: KEY_FILE_FORMAT,
    algorithm: state.key.algorithm,
    privateKey: state.key.pkcs8().toString("base64"),
    enrollment: state.enrollment,
  };
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, "wx", 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(json, null, 2)}\n`, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    // The mode given to open() is reduced by the umask, never widened; chmod makes 0600 exact either way.
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (cause) {
    await rm(temporary, { force: true });
    throw cause;
  }
}

/** Reads a key file; refuses one that others may read (like ssh does), or one that is not of this format. */
export async function readKeyFile(path: string): Promise<DeviceState> {
  let mode: number;
  let text: string;
  try {
    mode = (await stat(path)).mode;
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new PushDeviceError("key_file_invalid", `cannot read the key file ${path}: enroll first, or pass --key-file`, { cause });
  }
  if (process.platform !== "win32" && (mode & NOT_OWNER_ONLY) !== 0) {
    throw new PushDeviceError("key_file_insecure", `${path} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
  }
  const invalid = (what: string) => new PushDeviceError("key_file_invalid", `${path} is not a push device key file: ${what}`);
  let json: Partial<KeyFileJson>;
  try {
    json = JSON.parse(text) as Partial<KeyFileJson>;
  } catch {
    throw invalid("not JSON");
  }
  if (json.format !== KEY_FILE_FORMAT) throw invalid(`format is not ${KEY_FILE_FORMAT}`);
  if (!isPushAlgorithm(json.algorithm)) throw invalid("unknown algorithm");
  if (typeof json.privateKey !== "string") throw invalid("no private key");
  const e = json.enrollment;
  if (
    e === undefined ||
    !isPushApiBaseUrl(e.apiBaseUrl) ||
    !isPushId(e.tenantId) ||
    !isPushId(e.userId) ||
    !isPushId(e.deviceId) ||
    !isPushDisplayText(e.deviceName) ||
    (e.label !== undefined && !isPushDisplayText(e.label))
  ) {
    throw invalid("the enrollment is incomplete");
  }
  let key: DeviceKey;
  try {
    key = DeviceKey.fromPkcs8(json.algorithm, Buffer.from(json.privateKey, "base64"));
  } catch (cause) {
    throw cause instanceof PushDeviceError ? cause : invalid("the private key does not decode");
  }
  const enrollment: DeviceEnrollment = {
    apiBaseUrl: e.apiBaseUrl,
    tenantId: e.tenantId,
    userId: e.userId,
    deviceId: e.deviceId,
    deviceName: e.deviceName,
    ...(e.label === undefined ? {} : { label: e.label }),
  };
  return { key, enrollment };
}

/** Throws unless a key file can be created at `path` (it does not exist, and its folder is writable). */
export async function assertKeyFileWritable(path: string): Promise<void> {
  if (await exists(path)) {
    throw new PushDeviceError("key_file_exists", `${path} exists already: enroll with another --key-file, or remove it first`);
  }
  const probe = `${path}.${process.pid}.probe`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await (await open(probe, "wx", 0o600)).close();
  } catch (cause) {
    throw new PushDeviceError("key_file_invalid", `cannot create the key file ${path}`, { cause });
  } finally {
    await rm(probe, { force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
