/**
 * What both demos are made of: the step record they emit, the report they return, and the steps
 * of the secure mode (a signer holds the CA key), shared by `demo` and `demo --ray`.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { formatSans } from "../pki/san.js";
import type { LabPlan } from "./lab-plan.js";
import type { labUp } from "./lab.js";
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

export interface DemoReport {
  ok: boolean;
  dir: string;
  kept: boolean;
  steps: DemoStep[];
  leftovers: { processes: number[]; netns: string[] };
  ms: number;
}

export type Emit = (s: DemoStep) => void;

/**
 * The steps a demo has emitted, and its `emit`: a step listing files gets the demo's directory as
 * `base`; each goes to `onStep` as it happens; Ctrl-C (the signal) stops the demo between steps,
 * but never before the cleanup step is reported.
 */
export function stepRecorder(dir: string, o: { onStep?: (s: DemoStep) => void; signal?: AbortSignal }): { steps: DemoStep[]; emit: Emit } {
  const steps: DemoStep[] = [];
  const emit = (step: DemoStep) => {
    const s = step.files ? { ...step, base: dir } : step;
    steps.push(s);
    o.onStep?.(s);
    if (s.id !== "down") o.signal?.throwIfAborted();
  };
  return { steps, emit };
}

/** Steps 1 and 2 of the secure mode, and one refused request. */
export async function signerSteps(dir: string, up: Awaited<ReturnType<typeof labUp>>, emit: Emit): Promise<void> {
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

/** The secure mode's last check: no file under pods/ holds the CA key (PEM, DER or secret scalar). */
export async function caKeyStep(dir: string, plan: LabPlan, emit: Emit): Promise<void> {
  const rel = (p: string) => relative(dir, p);
  const signer = plan.signer!;
  const caKeyPem = await readFile(signer.caKey, "utf8");
  const scan = await filesContainingKey(join(dir, "pods"), caKeyPem);
  emit({
    id: "key",
    title: "Check: the CA key is in the signer only",
    lines: [
      scan.hits.length === 0
        ? `no file under pods/ (${scan.scanned} files) contains the CA key (${rel(signer.caKey)}: its PEM, DER or secret scalar)`
        : `CA KEY FOUND under pods/: ${scan.hits.join(", ")}`,
    ],
    ok: scan.hits.length === 0 && scan.scanned > 0,
  });
}
