/**
 * Ray itself as the lab's pod runtime (issue 9 item 1): which Ray to run, and how a command runs
 * "inside" a pod as Kubernetes would run it: the pod's network namespace and hosts file (`ip
 * netns exec`), a private /tmp (a bind mount inside the mount namespace `ip netns exec` makes,
 * because Ray nodes on one machine sharing /tmp/ray confuse node IPs: facts section 0), and a
 * minimal environment (like `env -i`): the Ray venv first on PATH, HOME, no usage stats, Ray's
 * TLS variables from the pod's raytls certificates and KubeRay's FQ_RAY_IP, RAY_IP, RAY_ADDRESS,
 * POD_IP (from lab-plan.ts).
 */
import { execFile } from "node:child_process";
import { accessSync, chmodSync, constants, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { RaytlsError } from "../errors.js";
import { packageRoot, raytlsCommand } from "../io/package-root.js";
import type { PodPlan } from "./lab-plan.js";

const run = promisify(execFile);

export interface RayRuntime {
  /** Absolute path of the `ray` script. */
  bin: string;
  /** Its venv's `python` (same directory), which has `ray` importable. */
  python: string;
  /** "2.58.0". */
  version: string;
  /** How it was found: "--ray-bin", "$RAYTLS_RAY", "the project's .venv-ray", "PATH". */
  source: string;
}

const INSTALL_HINT =
  "install Ray 2.x in a venv: python3 -m venv .venv-ray && .venv-ray/bin/pip install ray==2.58.0 (pass pip's configured index as --index-url with --retries 0 when offline), or give --ray-bin PATH or $RAYTLS_RAY";

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where Ray would be taken from, in order: --ray-bin, $RAYTLS_RAY, <package root>/.venv-ray/bin/ray, `ray` on PATH. */
export function rayCandidates(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Array<{ path: string; source: string }> {
  const out: Array<{ path: string; source: string }> = [];
  if (flag) return [{ path: resolve(flag), source: "--ray-bin" }];
  if (env.RAYTLS_RAY) return [{ path: resolve(env.RAYTLS_RAY), source: "$RAYTLS_RAY" }];
  try {
    out.push({ path: join(packageRoot(), ".venv-ray", "bin", "ray"), source: "the project's .venv-ray" });
  } catch {
    /* run from a bundle outside the package (tests): no project venv to look at */
  }
  for (const d of (env.PATH ?? "").split(delimiter)) if (d) out.push({ path: join(d, "ray"), source: "PATH" });
  return out;
}

/** Finds Ray and checks it is Ray 2.x (`ray --version`); exit 2 with how to get it otherwise. */
export async function findRay(flag?: string, env: NodeJS.ProcessEnv = process.env): Promise<RayRuntime> {
  const candidates = rayCandidates(flag, env);
  const found = candidates.find((c) => executable(c.path));
  if (!found) {
    const venv = candidates.find((c) => c.source !== "PATH");
    const looked = flag || env.RAYTLS_RAY ? candidates[0]!.path : `${venv ? `${venv.path} and ` : ""}on PATH`;
    throw new RaytlsError("ray-not-found", `Ray not found (looked at ${looked})`, { hint: INSTALL_HINT });
  }
  // The venv's script, not its symlink target: the venv's bin/ holds its python too.
  const bin = found.path;
  let text: string;
  try {
    text = (await run(bin, ["--version"], { timeout: 30_000, env: { PATH: `${dirname(bin)}:/usr/bin:/bin`, HOME: env.HOME ?? "/root" } })).stdout;
  } catch (err) {
    throw new RaytlsError("ray-broken", `${bin} --version failed (${found.source}): ${((err as { stderr?: string }).stderr || (err as Error).message).trim().split("\n").pop()}`, { hint: INSTALL_HINT });
  }
  const m = /version\s+(\d+)\.(\d+)\.(\d+)\S*/.exec(text);
  if (!m || m[1] !== "2") {
    throw new RaytlsError("ray-version", `${bin} (${found.source}) is not Ray 2.x: \`ray --version\` printed "${text.trim()}"`, { hint: INSTALL_HINT });
  }
  const python = join(dirname(bin), "python");
  return { bin, python: executable(python) ? python : "python3", version: `${m[1]}.${m[2]}.${m[3]}`, source: found.source };
}

/**
 * A --ray lab's directory must not be under /tmp: inside a pod /tmp is the pod's own, so the
 * certificates (RAY_TLS_*) and the pod tmp dirs themselves would vanish from the pods' view
 * (seen: gcs_server "Invalid cert chain file"). Refusing is clearer than binding it back in,
 * which would also show every pod the other pods' /tmp.
 */
export function checkRayLabDir(dir: string): void {
  const abs = resolve(dir);
  let real = abs;
  try {
    real = realpathSync(abs);
  } catch {
    /* not made yet: judge the path as given */
  }
  if (real === "/tmp" || real.startsWith("/tmp/") || abs.startsWith("/tmp/")) {
    throw new RaytlsError("ray-lab-dir-in-tmp", `--dir ${dir} is under /tmp, which each Ray pod replaces with its own private /tmp (the certificates would not be visible inside the pods)`, {
      hint: `use a directory outside /tmp, e.g. --dir /var/tmp/raytls-lab/<name> (the default for --ray)`,
    });
  }
}

/** The lab's own bin directory, on every Ray pod's PATH: it holds `raytls` (see writeRaytlsShim). */
export const labBinDir = (labDir: string): string => join(labDir, "bin");

const shellQuote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

/**
 * `<lab dir>/bin/raytls`: a two-line script that runs this raytls, so `raytls ...` works inside
 * a pod (`lab exec worker-1 -- raytls health-check ...`) as it would in a pod whose image has it,
 * without npm link. The lab dir is outside /tmp, so every pod sees it.
 */
export function writeRaytlsShim(labDir: string): string {
  const { cmd, args } = raytlsCommand();
  const file = join(labBinDir(labDir), "raytls");
  mkdirSync(labBinDir(labDir), { recursive: true });
  writeFileSync(file, `#!/bin/sh\nexec ${[cmd, ...args].map(shellQuote).join(" ")} "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

/** The pod's environment for Ray, nothing inherited but HOME: as `env -i` would give it (PATH: Ray's venv, the lab's bin with `raytls`, the system). */
export function rayPodEnv(ray: RayRuntime, pod: PodPlan, labDir: string, home = process.env.HOME ?? "/root"): Record<string, string> {
  return {
    PATH: `${dirname(ray.bin)}:${labBinDir(labDir)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    RAY_USAGE_STATS_ENABLED: "0",
    ...pod.env,
  };
}

/**
 * argv (for `spawn("ip", ...)`, or without `ip netns exec` in loopback mode) running `cmd` in the
 * pod: its namespace and hosts file, and with `tmpDir` its private /tmp. `sh` makes the mounts
 * private to the mount namespace `ip netns exec` created, binds the pod's dir on /tmp, then execs
 * the command (so the PID is the command's own).
 */
export function podArgv(pod: PodPlan, cmd: string[], tmpDir?: string): { file: string; args: string[] } {
  return inNetns(pod, tmpDir ? ["sh", "-c", MOUNT_TMP, tmpDir, ...cmd] : cmd);
}

const MOUNT_TMP = 'mount --make-rprivate / && mount --bind "$0" /tmp && exec "$@"';

function inNetns(pod: PodPlan, argv: string[]): { file: string; args: string[] } {
  if (pod.netns) return { file: "ip", args: ["netns", "exec", pod.netns, ...argv] };
  return { file: argv[0]!, args: argv.slice(1) };
}

/**
 * A Ray pod's first process: as podArgv, and in a PID namespace of its own (with its own /proc),
 * as a Kubernetes pod has. Ray needs it: a driver finds "its" raylet by scanning the process list
 * and prefers the head's, so in a shared PID namespace a driver in a worker pod took the head's
 * node IP and its objects could not be fetched (seen: ReferenceCountingAssertionError, get
 * timeouts). The forked child (`ray start`) is PID 1 there; when it exits the kernel ends every
 * process of the pod. `unshare` itself stays the parent, so the recorded PID leads the group.
 */
export function podInitArgv(pod: PodPlan, cmd: string[], tmpDir: string): { file: string; args: string[] } {
  return inNetns(pod, ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "sh", "-c", MOUNT_TMP, tmpDir, ...cmd]);
}

/** argv entering a running pod (network, mount and PID namespaces of its PID 1, given by host PID). */
export function enterPodArgv(initPid: number, cmd: string[]): { file: string; args: string[] } {
  return { file: "nsenter", args: ["--target", String(initPid), "--net", "--mount", "--pid", "--", ...cmd] };
}

/** `ray start ... --block` for the pod: the head on the GCS port, workers joining by the head's FQDN. */
export function rayStartArgv(ray: RayRuntime, pod: PodPlan, headFqdn: string, port: number, resources?: Record<string, number>): string[] {
  const common = ["--block", "--node-ip-address", pod.ip, "--num-cpus", "1", "--disable-usage-stats"];
  const res = resources && Object.keys(resources).length ? ["--resources", JSON.stringify(resources)] : [];
  if (pod.role === "head") return [ray.bin, "start", "--head", "--port", String(port), "--include-dashboard", "false", ...common, ...res];
  return [ray.bin, "start", "--address", `${headFqdn}:${port}`, ...common, ...res];
}
