/**
 * Where a Ray object transfer spends its CPU, by `perf record` on the pods' processes (issue 10):
 * CPU-clock samples of every thread of the given processes, attached from outside their network
 * namespaces (same PID namespace), then `perf report --sort dso,sym` read strictly and summed
 * into a few groups: the cipher, the TLS/gRPC secure path, memcpy and libc, the kernel's TCP/IP,
 * the rest of the kernel, and everything else (Ray, protobuf, Python).
 *
 * Ray links gRPC and BoringSSL statically into raylet, gcs_server and _raylet.so (not stripped),
 * so the groups go by symbol name, not by library.
 */
import { spawn, spawnSync, execFile, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { RaytlsError } from "../errors.js";

const run = promisify(execFile);
const PERF = "/usr/bin/perf";
/** Samples per second per CPU: enough for a 2-4 s transfer, small enough not to disturb it much. */
export const PERF_HZ = 999;

export interface PerfRow {
  samples: number;
  dso: string;
  sym: string;
}

/**
 * `perf report --stdio --no-children --sort dso,sym -n -t ';'` output: comment lines start with
 * "#", each row is `<overhead>%;<samples>;<dso>;<[.] or [k]> <symbol>`. A symbol may hold ";" (C++
 * templates rarely do, but it is not excluded), so everything after the third ";" is the symbol.
 * A row of any other shape is an error naming its line: a silent skip would move samples out of
 * the totals.
 */
export function parsePerfReport(text: string): PerfRow[] {
  const rows: PerfRow[] = [];
  const lines = text.split("\n");
  if (lines.length > 500_000) throw new RaytlsError("bench-perf-report", "perf report: more than 500,000 lines", { kind: "check" });
  lines.forEach((line, i) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const f = line.split(";");
    const overhead = f[0]?.trim() ?? "";
    const samples = f[1]?.trim() ?? "";
    if (f.length < 4 || !/^\d+(\.\d+)?%$/.test(overhead) || !/^\d+$/.test(samples)) {
      throw new RaytlsError("bench-perf-report", `perf report line ${i + 1} is not "<overhead>%;<samples>;<dso>;<symbol>": ${JSON.stringify(line.slice(0, 200))}`, { kind: "check", hint: "run perf report with -n -t ';' --sort dso,sym" });
    }
    rows.push({ samples: Number(samples), dso: f[2]!.trim(), sym: f.slice(3).join(";").trim() });
  });
  return rows;
}

export const PROFILE_GROUPS = ["cipher (AES-GCM)", "TLS records, gRPC secure endpoint", "memcpy, libc", "kernel TCP/IP and socket copies", "kernel, other", "Ray, gRPC, protobuf, Python, other"] as const;
export type ProfileGroup = (typeof PROFILE_GROUPS)[number];

const KERNEL_NET = /tcp|udp|skb|sock|inet|ip_|ipv6|net_|netif|napi|veth|dev_|xmit|csum|copy_user|copy_to_user|copy_from_user|_copy_to_iter|_copy_from_iter|loopback|nf_|neigh|rep_movs|memcpy_orig|fq_|sch_|qdisc/i;
/** Case-sensitive: absl's "MixingHashState" holds "gHash", and "ghash" was matched case-insensitively. */
const CIPHER = /aes|AES|gcm|GCM|ghash|gf128|gmult|chacha|ChaCha|CHACHA|poly1305|Poly1305|POLY1305/;
/** Thread-local storage, not transport security: "tls" is in glibc's and C++'s names for it. */
const THREAD_LOCAL = /^__tls_get_addr|^TLS (init|wrapper) function for /;
const TLS_PATH = /tsi_|ssl|bssl|tls|secure_endpoint|SecureEndpoint|frame_protector|zero_copy_grpc_protector|alts_|\bBIO_|\bCBB_|\bCBS_|\bEVP_|\bCRYPTO_|\bOPENSSL_|boringssl/i;
/** gRPC's secure_endpoint.cc keeps its functions file-local, so perf names them without the file. */
const SECURE_ENDPOINT = /^(\(anonymous namespace\)::)?(call_read_cb|on_read|on_write|endpoint_read|endpoint_write|flush_write_staging_buffer|maybe_post_reclaimer)\b/;

/** Which group a sample's symbol belongs to. */
export function profileGroup(dso: string, sym: string): ProfileGroup {
  const kernel = sym.startsWith("[k]") || dso === "[kernel.kallsyms]" || dso.startsWith("[kernel");
  const name = sym.replace(/^\[[.kgu]\]\s*/, "");
  if (kernel) return KERNEL_NET.test(name) ? "kernel TCP/IP and socket copies" : "kernel, other";
  if (CIPHER.test(name)) return "cipher (AES-GCM)";
  if (!THREAD_LOCAL.test(name) && (TLS_PATH.test(name) || SECURE_ENDPOINT.test(name))) return "TLS records, gRPC secure endpoint";
  if (/^libc[.-]/.test(dso) || /^(__)?mem(cpy|move|set|cmp)/.test(name)) return "memcpy, libc";
  return "Ray, gRPC, protobuf, Python, other";
}

/** Samples per group, and the total. */
export function groupProfile(rows: PerfRow[]): Record<ProfileGroup, number> & { total: number } {
  const out = Object.fromEntries(PROFILE_GROUPS.map((g) => [g, 0])) as Record<ProfileGroup, number>;
  let total = 0;
  for (const r of rows) {
    out[profileGroup(r.dso, r.sym)] += r.samples;
    total += r.samples;
  }
  return { ...out, total };
}

/** The heaviest symbols of a profile (self samples), for the report's detail. */
export function topSymbols(rows: PerfRow[], n: number): PerfRow[] {
  return [...rows].sort((a, b) => b.samples - a.samples).slice(0, n);
}

/** Symbols with the most samples more in `more` than in `base` (same dso and symbol; pods summed). */
export function extraSymbols(more: PerfRow[], base: PerfRow[], n: number): PerfRow[] {
  const key = (r: PerfRow) => `${r.dso}\u0000${r.sym}`;
  const diff = new Map<string, PerfRow>();
  for (const r of more) {
    const d = diff.get(key(r)) ?? { dso: r.dso, sym: r.sym, samples: 0 };
    d.samples += r.samples;
    diff.set(key(r), d);
  }
  for (const r of base) {
    const d = diff.get(key(r)) ?? { dso: r.dso, sym: r.sym, samples: 0 };
    d.samples -= r.samples;
    diff.set(key(r), d);
  }
  return [...diff.values()].filter((r) => r.samples > 0).sort((a, b) => b.samples - a.samples).slice(0, n);
}

/** Why perf cannot profile here, or undefined. */
export function perfUnavailable(): string | undefined {
  if (!existsSync(PERF)) return `${PERF} not found (apt-get install linux-perf)`;
  // Debian's /usr/bin/perf may be a wrapper that refuses a kernel it has no perf for.
  const r = spawnSync(PERF, ["--version"], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? undefined : `${PERF} --version failed: ${(r.stderr || r.stdout || String(r.error ?? "")).trim().split("\n")[0]} (install the linux-perf that matches this kernel)`;
}

export interface PerfSession {
  /** Stops recording (SIGINT, as Ctrl-C) and reads the report. */
  stop(): Promise<PerfRow[]>;
}

/**
 * Starts `perf record` on the processes (all their threads), writing to `file`. Resolves once
 * perf has attached (it has opened its output), so the work to profile can begin.
 */
export async function startPerf(pids: number[], file: string): Promise<PerfSession> {
  if (pids.length === 0) throw new RaytlsError("bench-perf", "perf record: no processes to profile", { kind: "check" });
  const child: ChildProcess = spawn(PERF, ["record", "-q", "-F", String(PERF_HZ), "-p", pids.join(","), "-o", file], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
  // perf creates its output file once its events are open on every thread.
  for (let i = 0; i < 100 && !existsSync(file) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  if (child.exitCode !== null) throw new RaytlsError("bench-perf", `perf record exited ${child.exitCode} before the transfer: ${err.trim()}`, { kind: "check", hint: "perf needs root or kernel.perf_event_paranoid <= 1" });
  return {
    async stop() {
      child.kill("SIGINT");
      const code = await exited;
      if (code !== 0 && !existsSync(file)) throw new RaytlsError("bench-perf", `perf record exited ${code}: ${err.trim()}`, { kind: "check" });
      const r = await run(PERF, ["report", "-i", file, "--stdio", "--no-children", "--sort", "dso,sym", "-n", "-t", ";"], { maxBuffer: 64 << 20, timeout: 120_000 });
      return parsePerfReport(r.stdout);
    },
  };
}
