/**
 * The seed's fix for Step 4's failure, applied to a running lab: re-issue the head's certificate
 * with extra DNS SANs (`--dns raycluster-tls-head-svc`, the seed's `DNS.3 = $RAY_IP`), then
 * restart the head, because Ray reads its certificate once at start and never reloads it
 * (facts section 1). Workers notice the restart on their next heartbeat and register again
 * (raytls nodes) or are restarted with it (a Ray lab).
 * In a `--signer` lab the head pod asks the signer again (no CA key is read here).
 */
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { RaytlsError } from "../errors.js";
import { loadCa } from "../pki/ca.js";
import { issuePodCert } from "../pki/issue.js";
import type { San } from "../pki/san.js";
import { writeFilesAtomically } from "../io/secure-files.js";
import { loadState, saveState, type LabState } from "./lab-state.js";
import { parseSans, podCertFromSigner, type PodCertRun } from "./lab-signer.js";
import { startPod, stopPid } from "./lab-processes.js";
import { waitReady } from "./lab.js";
import { startRayPods, stopRayPods } from "./lab-ray.js";

export async function reissueHead(dir: string, dns: string[], log: (l: string) => void = () => {}): Promise<{ sans: San[]; ms: number; run?: PodCertRun }> {
  const t0 = performance.now();
  const state = await loadState(dir);
  if (!state) throw new RaytlsError("no-lab", `no lab in ${dir}`, { hint: "run raytls lab up first" });
  const plan = state.plan;
  const head = plan.pods[0]!;
  if (plan.signer) return reissueHeadFromSigner(state, dns, log, t0);
  const caCert = join(dir, "ca", "ca.crt");
  const caKey = join(dir, "ca", "ca.key");
  const ca = loadCa(await fsp.readFile(caCert, "utf8"), await fsp.readFile(caKey, "utf8"), { cert: caCert, key: caKey });
  const issued = issuePodCert({ ca, role: "head", podIp: head.ip, headFqdn: plan.headFqdn, dns, days: 7 });
  await writeFilesAtomically(
    [
      { path: join(head.tlsDir, "tls.crt"), data: issued.certPem, mode: 0o644 },
      { path: join(head.tlsDir, "tls.key"), data: issued.keyPem, mode: 0o600 },
    ],
    { force: true },
  );
  log(`re-issued ${join(head.tlsDir, "tls.crt")} with ${dns.map((d) => `DNS:${d}`).join(", ")}; restarting the head (Ray does not reload certificates)`);
  await restartHead(state);
  return { sans: issued.sans, ms: Math.round(performance.now() - t0) };
}

/** Signer mode: the head pod asks the signer again, for the extra names (the signer's policy must allow them). */
async function reissueHeadFromSigner(state: LabState, dns: string[], log: (l: string) => void, t0: number): Promise<{ sans: San[]; ms: number; run: PodCertRun }> {
  const plan = state.plan;
  const head = plan.pods[0]!;
  if (!state.signer?.url) throw new RaytlsError("no-signer", "the lab's signer is not running", { hint: "run raytls lab down, then raytls lab up --signer" });
  const run = await podCertFromSigner(plan, head, state.signer.url, { dns, force: true });
  if (!run.result) {
    throw new RaytlsError("pod-cert-failed", `the signer did not re-issue the head certificate: ${(run.exec.stderr || run.exec.stdout).trim().split("\n")[0]}`, { kind: "check", hint: `see ${plan.signer!.auditLog}` });
  }
  log(`the signer re-issued ${join(head.tlsDir, "tls.crt")} with ${run.result.sans.join(", ")}; restarting the head (Ray does not reload certificates)`);
  await restartHead(state);
  return { sans: parseSans(run.result.sans), ms: Math.round(performance.now() - t0), run };
}

async function restartHead(state: LabState): Promise<void> {
  const head = state.plan.pods[0]!;
  if (state.ray) {
    // A Ray head's new GCS has a new cluster ID, which the old workers' raylets refuse: restart
    // the workers too (as KubeRay does when a head without GCS fault tolerance restarts).
    await stopRayPods(state);
    await startRayPods(state, 60_000);
    return;
  }
  const old = state.pids[head.name];
  if (old) await stopPid(old);
  state.pids[head.name] = startPod(head);
  await saveState(state);
  await waitReady(state, 20_000);
}
