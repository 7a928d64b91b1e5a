// Is there a Docker engine? Asked directly (GET /_ping) with a short timeout, so a missing engine costs a second, not
// the minutes a container runtime client may spend looking.
import { existsSync } from "node:fs";
import { request } from "node:http";
import { homedir } from "node:os";
import { join } from "node:path";

export interface DockerProbe {
  readonly available: boolean;
  readonly detail: string;
}

function endpoints(env: NodeJS.ProcessEnv): { socketPath?: string; host?: string; port?: number; label: string }[] {
  const host = env.DOCKER_HOST?.trim();
  if (host) {
    if (host.startsWith("unix://")) return [{ socketPath: host.slice("unix://".length), label: host }];
    const url = new URL(host.replace(/^tcp:/, "http:"));
    return [{ host: url.hostname, port: Number(url.port || 2375), label: host }];
  }
  const sockets = [
    "/var/run/docker.sock",
    join(homedir(), ".docker/run/docker.sock"),
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, "docker.sock")] : []),
  ];
  return sockets.filter((s) => existsSync(s)).map((socketPath) => ({ socketPath, label: `unix://${socketPath}` }));
}

function ping(target: { socketPath?: string; host?: string; port?: number }, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...target, path: "/_ping", method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

export async function probeDocker(env: NodeJS.ProcessEnv = process.env, timeoutMs = 1500): Promise<DockerProbe> {
  const targets = endpoints(env);
  if (targets.length === 0) return { available: false, detail: "no DOCKER_HOST and no Docker socket found" };
  for (const target of targets) {
    if (await ping(target, timeoutMs)) return { available: true, detail: `Docker engine at ${target.label}` };
  }
  return { available: false, detail: `no Docker engine answered at ${targets.map((t) => t.label).join(", ")}` };
}
