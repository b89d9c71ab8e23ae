/**
 * The seed's fix for Step 4's failure, applied to a running lab: re-issue the head's certificate
 * with extra DNS SANs (`--dns raycluster-tls-head-svc`, the seed's `DNS.3 = $RAY_IP`), then
 * restart the head, because Ray reads its certificate once at start and never reloads it
 * (facts section 1). Workers notice the restart on their next heartbeat and register again.
 */
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { RaytlsError } from "../errors.js";
import { loadCa } from "../pki/ca.js";
import { issuePodCert } from "../pki/issue.js";
import type { San } from "../pki/san.js";
import { writeFilesAtomically } from "../io/secure-files.js";
import { loadState, saveState } from "./lab-state.js";
import { startPod, stopPid } from "./lab-processes.js";
import { waitReady } from "./lab.js";

export async function reissueHead(dir: string, dns: string[], log: (l: string) => void = () => {}): Promise<{ sans: San[]; ms: number }> {
  const t0 = performance.now();
  const state = await loadState(dir);
  if (!state) throw new RaytlsError("no-lab", `no lab in ${dir}`, { hint: "run raytls lab up first" });
  const plan = state.plan;
  const head = plan.pods[0]!;
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
  const old = state.pids[head.name];
  if (old) await stopPid(old);
  state.pids[head.name] = startPod(head);
  await saveState(state);
  await waitReady(state, 20_000);
  return { sans: issued.sans, ms: Math.round(performance.now() - t0) };
}
