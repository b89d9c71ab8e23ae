/**
 * Network namespaces for the signer tests (root only): a bridge in a namespace of its own and one
 * namespace per party (signer, head, workers), veth pairs into the bridge, 10.250.<x>.0/24 only
 * inside namespaces made here; nothing touches the host's interfaces. Every namespace carries the
 * prefix `rtsig-<random>-`, so cleanup finds them even after a crash, and processes are killed by
 * the PIDs recorded here.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Why these tests cannot run here, or undefined. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "network namespaces need root";
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "pipe" });
  } catch (err) {
    return `\`ip netns list\` does not run: ${(err as Error).message.split("\n")[0]}`;
  }
  return undefined;
}

export interface Party {
  ns: string;
  ip: string;
}

export class SignerNetwork {
  readonly prefix = `rtsig-${randomBytes(3).toString("hex")}`;
  readonly subnet = `10.250.${1 + Math.floor(Math.random() * 250)}`;
  readonly bridge = `${this.prefix}-net`;
  readonly parties: Record<string, Party> = {};
  private readonly children = new Set<ChildProcess>();

  async add(name: string, host: number): Promise<Party> {
    if (!Object.keys(this.parties).length) {
      await ip("netns", "add", this.bridge);
      await ip("-n", this.bridge, "link", "add", "br0", "type", "bridge");
      await ip("-n", this.bridge, "link", "set", "br0", "up");
    }
    const ns = `${this.prefix}-${name}`;
    const party = { ns, ip: `${this.subnet}.${host}` };
    await ip("netns", "add", ns);
    this.parties[name] = party;
    const veth = `v${host}`;
    await ip("-n", this.bridge, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
    await ip("-n", this.bridge, "link", "set", veth, "master", "br0", "up");
    await ip("-n", ns, "addr", "add", `${party.ip}/24`, "dev", "eth0");
    await ip("-n", ns, "link", "set", "eth0", "up");
    await ip("-n", ns, "link", "set", "lo", "up");
    return party;
  }

  /** Starts `cmd args` inside a namespace (`ip netns exec` execs, so the PID is the command's). */
  spawn(party: Party, cmd: string, args: string[], cwd: string): ChildProcess & { stdoutText: () => string; stderrText: () => string } {
    const child = spawn("ip", ["netns", "exec", party.ns, cmd, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH } });
    let out = "";
    let err = "";
    child.stdout!.on("data", (c) => (out += c));
    child.stderr!.on("data", (c) => (err += c));
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
    return Object.assign(child, { stdoutText: () => out, stderrText: () => err });
  }

  /** Runs to completion: exit code and output. */
  async exec(party: Party, cmd: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<{ code: number; out: string; err: string }> {
    const child = this.spawn(party, cmd, args, cwd);
    const timer = setTimeout(() => child.pid && process.kill(child.pid, "SIGKILL"), timeoutMs);
    const code = await new Promise<number>((r) => child.once("exit", (c, sig) => r(c ?? (sig ? 128 : -1))));
    clearTimeout(timer);
    return { code, out: child.stdoutText(), err: child.stderrText() };
  }

  /** Kills every process started here (by PID), then deletes every `rtsig-<this run>-*` namespace. */
  async destroy(): Promise<void> {
    for (const c of this.children) {
      if (c.pid && c.exitCode === null) {
        try {
          process.kill(c.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    const listed = (await run("ip", ["netns", "list"]).catch(() => ({ stdout: "" }))).stdout.split("\n").map((l) => l.split(" ")[0]!);
    for (const ns of listed.filter((n) => n.startsWith(`${this.prefix}-`))) await ip("netns", "delete", ns).catch(() => undefined);
  }

  async remaining(): Promise<string[]> {
    const listed = (await run("ip", ["netns", "list"])).stdout.split("\n").map((l) => l.split(" ")[0]!);
    return listed.filter((n) => n.startsWith(`${this.prefix}-`));
  }
}

async function ip(...args: string[]): Promise<void> {
  await run("ip", args, { timeout: 10_000 });
}

/** Resolves when `child`'s stderr says the signer listens; rejects if it exits first. */
export function signerReady(child: ChildProcess & { stderrText: () => string }, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = setInterval(() => {
      if (child.stderrText().includes("raytls signer listening")) {
        clearInterval(tick);
        resolve();
      } else if (child.exitCode !== null || Date.now() - t0 > timeoutMs) {
        clearInterval(tick);
        reject(new Error(`signer did not start: ${child.stderrText()}`));
      }
    }, 25);
  });
}
