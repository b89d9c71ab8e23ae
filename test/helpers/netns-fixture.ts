/**
 * Network namespaces for tests (root only), built from the lab's own pieces (src/lab/netns.ts):
 * a bridge in a namespace of its own and one namespace per party, each with eth0 on the bridge at
 * `<subnet>.<host>`; nothing touches the host's interfaces, and the addresses exist only inside
 * these namespaces, so two fixtures with the same subnet never meet. Every namespace is named
 * `rt<tag>-<random>-<party>`, so `destroy()` finds them all, and the processes started here are
 * killed by their PIDs.
 *
 * Without root or iproute2, `netnsSkip` says why and the tests skip; with CI=true they run (and fail).
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm, rmdir } from "node:fs/promises";
import { promisify } from "node:util";
import { addBridgedNamespace, addBridgeNamespace, etcNetnsDir, listNetns, netnsUnavailable, writeNetnsHosts } from "../../src/lab/netns.js";

const run = promisify(execFile);

/** Why netns tests cannot run here (they then skip, printing it), or undefined; never a reason under CI=true. */
export async function netnsSkip(what: string): Promise<string | undefined> {
  const why = await netnsUnavailable();
  if (!why || process.env.CI === "true") return undefined;
  const reason = `${why}; run the tests as root with iproute2 (sudo npm test) to include them`;
  console.warn(`SKIP ${what}: ${reason}`);
  return reason;
}

export interface Party {
  name: string;
  ns: string;
  ip: string;
}

export type NetnsChild = ChildProcess & { stdoutText: () => string; stderrText: () => string };

export class NetnsFixture {
  readonly prefix: string;
  readonly bridge: string;
  readonly parties: Record<string, Party> = {};
  private readonly children = new Set<ChildProcess>();

  /** `tag`: a few letters naming the test (namespaces are `rt<tag>-<random>-*`). */
  constructor(tag: string, readonly subnet = "10.250.0") {
    this.prefix = `rt${tag}-${randomBytes(3).toString("hex")}`;
    this.bridge = `${this.prefix}-net`;
  }

  /** A namespace `<prefix>-<name>` at `<subnet>.<host>`; `hosts` becomes its /etc/hosts (in `ip netns exec`). */
  async add(name: string, host: number, o: { hosts?: string } = {}): Promise<Party> {
    if (!Object.keys(this.parties).length) await addBridgeNamespace(this.bridge);
    const party = { name, ns: `${this.prefix}-${name}`, ip: `${this.subnet}.${host}` };
    this.parties[name] = party;
    await addBridgedNamespace(this.bridge, party.ns, `v${host}`, party.ip);
    if (o.hosts !== undefined) await writeNetnsHosts(party.ns, o.hosts);
    return party;
  }

  /** `ip` arguments that run `cmd args` inside the party's namespace (for callers that spawn themselves). */
  argv(party: Party, cmd: string, args: string[]): string[] {
    return ["netns", "exec", party.ns, cmd, ...args];
  }

  /**
   * Starts `cmd args` inside a namespace (`ip netns exec` execs, so the PID is the command's),
   * with PATH and `env` only; killed by `destroy()` if still running.
   */
  spawn(party: Party, cmd: string, args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; detached?: boolean } = {}): NetnsChild {
    const opts: SpawnOptions = { cwd: o.cwd, stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, ...o.env }, detached: o.detached ?? false };
    const child = spawn("ip", this.argv(party, cmd, args), opts);
    let out = "";
    let err = "";
    child.stdout!.on("data", (c) => (out += c));
    child.stderr!.on("data", (c) => (err += c));
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
    return Object.assign(child, { stdoutText: () => out, stderrText: () => err });
  }

  /** Runs to completion (SIGKILLed after `timeoutMs`): exit code and output. */
  async exec(party: Party, cmd: string, args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number; out: string; err: string }> {
    const child = this.spawn(party, cmd, args, o);
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 60_000);
    // "close", not "exit": the output is complete only once its pipes have closed.
    const code = await new Promise<number>((r) => child.once("close", (c, sig) => r(c ?? (sig ? 128 : -1))));
    clearTimeout(timer);
    return { code, out: child.stdoutText(), err: child.stderrText() };
  }

  /** Kills every process started here (by PID), then deletes every namespace and /etc/netns entry of this fixture. */
  async destroy(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const ns of await this.remaining()) {
      await run("ip", ["netns", "delete", ns], { timeout: 10_000 }).catch(() => undefined);
      await rm(etcNetnsDir(ns), { recursive: true, force: true });
    }
    // /etc/netns itself only goes if it is empty (someone else's entries stay).
    await rmdir("/etc/netns").catch(() => undefined);
  }

  /** This fixture's namespaces that exist now. */
  remaining(): Promise<string[]> {
    return listNetns(`${this.prefix}-`);
  }
}
