/**
 * `raytls demo`: the seed procedure end to end on this machine, in well under 30 s.
 * Step 1 CA, Step 2 pod certificates bound to each pod's IP, Step 3 each pod's environment, the
 * cluster comes up, Step 4 from a worker: health check by FQDN passes, by the short name fails
 * with gRPC's words, then the seed's fix (DNS.3 = $RAY_IP) makes it pass. Everything it started is
 * stopped before it returns, even on failure. Never prints: each step goes to `onStep`.
 *
 * With `signer` (the secure mode of `manifest --mode signer`): Step 1's CA key stays in a signer
 * process; in Step 2 each pod's own `pod-cert --signer` process asks it and gets exactly its own
 * IP (the audit log shows it), and one request outside the policy is refused with nothing written;
 * at the end it checks that no file under pods/ contains the CA key.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { formatSans } from "../pki/san.js";
import { labDown, labUp } from "./lab.js";
import { reissueHead } from "./lab-reissue.js";
import { execInPod } from "./pod-exec.js";
import { listLabNetns } from "./netns.js";
import { isAlive } from "./lab-processes.js";
import type { LabMode } from "./lab-plan.js";
import { caKeyStep, signerSteps, stepRecorder, type DemoReport, type DemoStep } from "./demo-steps.js";

export type { DemoReport, DemoStep } from "./demo-steps.js";

export interface DemoOptions {
  mode: LabMode;
  workers?: number;
  /** Keep the files (certificates, logs) instead of removing them. Default false. */
  keep?: boolean;
  dir?: string;
  /** loopback mode: a base address other than 127.0.0.2 (tests). */
  loopbackBase?: string;
  /** All pods on loopbackBase (systems with only 127.0.0.1). */
  sharedAddress?: boolean;
  port?: number;
  name?: string;
  /** The secure mode: a signer holds the CA key; pods ask it. Default false. */
  signer?: boolean;
  onStep?: (s: DemoStep) => void;
  /** Ctrl-C: abort between steps; cleanup still runs. */
  signal?: AbortSignal;
}

export async function runDemo(o: DemoOptions): Promise<DemoReport> {
  const t0 = performance.now();
  const name = o.name ?? "raycluster-tls";
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), "raytls-demo-")));
  const { steps, emit } = stepRecorder(dir, o);
  let pids: number[] = [];
  try {
    const up = await labUp({ name, namespace: "default", workers: o.workers ?? 2, mode: o.mode, dir, port: o.port ?? 6379, ...(o.loopbackBase ? { loopbackBase: o.loopbackBase } : {}), sharedAddress: Boolean(o.sharedAddress), signer: Boolean(o.signer) });
    const { plan } = up.state;
    pids = [...Object.values(up.state.pids), ...(up.state.signer ? [up.state.signer.pid] : [])];
    o.signal?.throwIfAborted();
    const rel = (p: string) => relative(dir, p);
    if (plan.signer) await signerSteps(dir, up, emit);
    else emit({
      id: "1",
      title: "Step 1: a CA (the seed's openssl req -x509)",
      lines: [`CA certificate valid until ${up.pki.caNotAfter}; its key stays in ca/, outside every pod directory`],
      files: [
        { path: rel(up.pki.caCert), what: "CA certificate: every pod gets a copy as ca.crt (RAY_TLS_CA_CERT)" },
        { path: rel(up.pki.caKey), what: "CA private key, mode 0400: signs pod certificates; no pod ever sees it" },
      ],
      ok: true,
    });
    if (!plan.signer) emit({
      id: "2",
      title: "Step 2: one key and certificate per pod, bound to the pod's IP (gencert_head.sh / gencert_worker.sh)",
      lines: up.pki.pods.map((p) => `${p.name.padEnd(9)} ${formatSans(p.sans)}`),
      files: up.pki.pods.flatMap((p) => [
        { path: rel(p.cert), what: `${p.name}'s certificate (RAY_TLS_SERVER_CERT), server and client at once` },
        { path: rel(p.key), what: `${p.name}'s private key, mode 0600 (RAY_TLS_SERVER_KEY)` },
      ]),
      ok: true,
    });
    const worker = plan.pods[1]!;
    emit({
      id: "3",
      title: "Step 3: Ray's TLS environment on every Ray container",
      lines: [plan.pods[0]!, worker].flatMap((p) => [`${p.name}:`, ...Object.entries(p.env).map(([k, v]) => `  ${k}=${k.startsWith("RAY_TLS") ? rel(v) : v}`)]),
      files: plan.pods.map((p) => ({ path: rel(join(dir, "pods", p.name, "ray.env")), what: `${p.name}'s environment, KEY=VALUE` })),
      ok: true,
    });
    emit({
      id: "up",
      title: `The cluster: ${plan.pods.length} pods (${plan.mode === "netns" ? "network namespaces on a private bridge" : "loopback addresses, no root"}), up in ${(up.ms / 1000).toFixed(1)} s`,
      lines: [
        ...plan.pods.map((p) => `${p.name.padEnd(9)} ${p.ip}${p.role === "head" ? `:${plan.port}  (${plan.headFqdn})` : ""}  pid ${up.state.pids[p.name]}`),
        ...(plan.signer && up.state.signer ? [`${"signer".padEnd(9)} ${up.state.signer.url?.replace("https://", "")}  pid ${up.state.signer.pid}  (holds the CA key; ${plan.signer.netns ? `namespace ${plan.signer.netns}` : "loopback"})`] : []),
        `every worker registered with the head by FQDN, and the head dialed each back by its pod IP over mTLS`,
      ],
      files: [{ path: "logs/", what: "each pod's log" }, { path: "lab-state.json", what: "PIDs and namespaces, for raytls lab down after a crash" }],
      ok: up.nodes.every((n) => n.alive && n.dialBackOk),
    });
    const check = async (host: string, expected: number, id: string, title: string, extra: string[] = []) => {
      const r = await execInPod(worker, ["health-check", "--address", `${host}:${plan.port}`]);
      emit({ id, title, lines: extra, command: { shown: r.shown, exitCode: r.code, expected, output: (r.stdout + r.stderr).trim() }, ok: r.code === expected });
    };
    await check(plan.headFqdn, 0, "4a", `Step 4: from ${worker.name}, health check by the FQDN ($FQ_RAY_IP) passes`);
    await check(plan.headShort, 1, "4b", `Step 4: from ${worker.name}, by the short name ($RAY_IP) it fails, as the seed says`);
    o.signal?.throwIfAborted();
    const fix = await reissueHead(dir, [plan.headShort]);
    await check(
      plan.headShort,
      0,
      "4c",
      plan.signer
        ? "The fix: the head asks the signer again with --dns (the seed's DNS.3 = $RAY_IP; the signer allows it: --head-dns), restart the head"
        : "The fix: add the short name to the head certificate (--dns, the seed's DNS.3 = $RAY_IP), restart the head",
      [
        ...(fix.run ? [`$ ${fix.run.exec.shown}`] : []),
        `head certificate now: ${formatSans(fix.sans)}`,
        `re-issued and restarted in ${(fix.ms / 1000).toFixed(1)} s; workers registered again`,
      ],
    );
    if (plan.signer) await caKeyStep(dir, plan, emit);
  } finally {
    const down = await labDown(dir, name).catch(() => undefined);
    const stillAlive = pids.filter((p) => isAlive(p));
    const netnsLeft = o.mode === "netns" ? await listLabNetns(name) : [];
    emit({
      id: "down",
      title: "Cleanup",
      lines: [
        `stopped ${down?.stopped.length ?? 0} ${o.signer ? "processes (pods and the signer)" : "pod processes"}${down?.netnsRemoved.length ? `, removed ${down.netnsRemoved.length} network namespaces` : ""}`,
        stillAlive.length || netnsLeft.length ? `LEFT BEHIND: pids ${stillAlive.join(", ")} namespaces ${netnsLeft.join(", ")}` : "nothing left running",
        o.keep || o.dir ? `files kept in ${dir}` : `files removed from ${dir} (raytls demo --keep keeps them)`,
      ],
      ok: stillAlive.length === 0 && netnsLeft.length === 0,
    });
    if (!o.keep && !o.dir) await rm(dir, { recursive: true, force: true });
  }
  return {
    ok: steps.every((s) => s.ok),
    dir,
    kept: Boolean(o.keep || o.dir),
    steps,
    leftovers: { processes: pids.filter((p) => isAlive(p)), netns: o.mode === "netns" ? await listLabNetns(name) : [] },
    ms: Math.round(performance.now() - t0),
  };
}
