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
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { formatSans } from "../pki/san.js";
import { labDown, labUp } from "./lab.js";
import { reissueHead } from "./lab-reissue.js";
import { execInPod } from "./pod-exec.js";
import { listLabNetns } from "./netns.js";
import { isAlive } from "./lab-processes.js";
import type { LabMode } from "./lab-plan.js";
import { filesContainingKey, formatAudit, podCertFromSigner, readAudit } from "./lab-signer.js";

export interface DemoStep {
  id: string;
  title: string;
  lines: string[];
  files?: Array<{ path: string; what: string }>;
  /** The directory `files` are relative to (set on every step that lists files). */
  base?: string;
  command?: { shown: string; exitCode: number; expected: number; output: string };
  ok: boolean;
}

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

export interface DemoReport {
  ok: boolean;
  dir: string;
  kept: boolean;
  steps: DemoStep[];
  leftovers: { processes: number[]; netns: string[] };
  ms: number;
}

export async function runDemo(o: DemoOptions): Promise<DemoReport> {
  const t0 = performance.now();
  const name = o.name ?? "raycluster-tls";
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), "raytls-demo-")));
  const steps: DemoStep[] = [];
  const emit = (step: DemoStep) => {
    const s = step.files ? { ...step, base: dir } : step;
    steps.push(s);
    o.onStep?.(s);
    if (s.id !== "down") o.signal?.throwIfAborted();
  };
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
    if (plan.signer) {
      const caKeyPem = await readFile(plan.signer.caKey, "utf8");
      const scan = await filesContainingKey(join(dir, "pods"), caKeyPem);
      emit({
        id: "key",
        title: "Check: the CA key is in the signer only",
        lines: [
          scan.hits.length === 0
            ? `no file under pods/ (${scan.scanned} files) contains the CA key (${rel(plan.signer.caKey)}: its PEM, DER or secret scalar)`
            : `CA KEY FOUND under pods/: ${scan.hits.join(", ")}`,
        ],
        ok: scan.hits.length === 0 && scan.scanned > 0,
      });
    }
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

type Emit = (s: DemoStep) => void;

/** Steps 1 and 2 of the secure mode, and one refused request. */
async function signerSteps(dir: string, up: Awaited<ReturnType<typeof labUp>>, emit: Emit): Promise<void> {
  const { plan } = up.state;
  const sp = plan.signer!;
  const rel = (p: string) => relative(dir, p);
  const url = up.state.signer!.url!;
  emit({
    id: "1",
    title: "Step 1: a CA whose key stays in the signer (the seed's openssl req -x509, then raytls signer serve)",
    lines: [
      `CA certificate valid until ${up.pki.caNotAfter}; its key stays in the signer: ${rel(sp.caKey)} (0400), read only by the signer process (pid ${up.state.signer!.pid}, ${url})`,
      `random head and worker tokens; each pod gets only its own role's token (init/token) and ca.crt, as the init containers of manifest --mode signer do`,
    ],
    files: [
      { path: rel(sp.caCert), what: "CA certificate: every pod gets a copy (init/ca.crt, tls/ca.crt)" },
      { path: rel(sp.caKey), what: "CA private key, mode 0400: only the signer reads it; no pod directory has it" },
      { path: rel(sp.headTokenFile), what: "head token (0600): copied only to pods/head/init/token" },
      { path: rel(sp.workerTokenFile), what: "worker token (0600): copied only to pods/worker-*/init/token" },
      { path: rel(sp.auditLog), what: "the signer's audit log: one JSON line per decision" },
    ],
    ok: true,
  });
  const audit = await readAudit(sp);
  const issued = audit.filter((r) => r.decision === "issued");
  const ownIp = up.pki.pods.every((p) => {
    const pod = plan.pods.find((x) => x.name === p.name)!;
    const ips = p.sans.filter((s) => s.type === "ip").map((s) => s.value);
    return ips.includes(pod.ip) && ips.every((ip) => ip === pod.ip || ip === "127.0.0.1") && issued.some((r) => r.peerIp === pod.ip && r.role === pod.role);
  });
  const sample = up.signerRuns!.find((r) => r.pod === plan.pods[1]!.name)!;
  emit({
    id: "2",
    title: "Step 2: each pod makes its key and asks the signer; it gets exactly its own IP (pod-cert --signer, the init container)",
    lines: [
      ...up.pki.pods.map((p) => `${p.name.padEnd(9)} ${formatSans(p.sans)}`),
      `${sample.pod} ran (in its own ${plan.mode === "netns" ? "namespace" : "process, bound to its own address"}): raytls ${sample.exec.shown.replace(/^.*?raytls /, "")}`,
      `the signer's audit log (${rel(sp.auditLog)}):`,
      ...audit.map((r) => `  ${formatAudit(r)}`),
    ],
    files: up.pki.pods.flatMap((p) => [
      { path: rel(p.key), what: `${p.name}'s private key (0600), made by its own pod-cert process; it never left the pod` },
    ]),
    ok: issued.length === plan.pods.length && ownIp,
  });
  // One request outside the policy: a worker claiming another pod's IP (or, when every pod shares
  // one address, a worker token asking for the head role). Refused; nothing written.
  const worker = plan.pods[1]!;
  const head = plan.pods[0]!;
  const claimIp = head.ip !== worker.ip;
  const out = join(dir, "pods", worker.name, "refused-tls");
  const before = audit.length;
  const r = await podCertFromSigner(plan, worker, url, { out, retrySeconds: 5, ...(claimIp ? { podIp: head.ip } : { role: "head" }) });
  const after = (await readAudit(sp)).slice(before);
  const written = existsSync(out);
  emit({
    id: "2x",
    title: claimIp
      ? `The policy: ${worker.name} claims the head's IP ${head.ip}; the signer refuses (the IP SAN must be the TCP peer address)`
      : `The policy: ${worker.name}'s worker token asks for the head role; the signer refuses`,
    lines: [...after.map((a) => `audit: ${formatAudit(a)}`), written ? `WRITTEN: ${rel(out)} exists` : `nothing written (${rel(out)} does not exist)`],
    // stderr only: stdout carries the same refusal as --json.
    command: { shown: r.exec.shown, exitCode: r.exec.code, expected: 1, output: (r.exec.stdout + r.exec.stderr).trim() },
    ok: r.exec.code === 1 && !written && after.some((a) => a.decision === "refused"),
  });
}
