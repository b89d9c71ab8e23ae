/**
 * The seed's Steps 1 and 2 for a lab: one CA (DIR/ca/ca.crt, ca.key 0400), and for every pod its
 * own key and certificate bound to the pod's IP (DIR/pods/<pod>/tls/tls.crt, tls.key 0600, and a
 * copy of ca.crt), the head's also carrying the Service FQDN. The CA key never enters a pod dir.
 */
import { join } from "node:path";
import { createCa, loadCa } from "../pki/ca.js";
import { issuePodCert } from "../pki/issue.js";
import type { San } from "../pki/san.js";
import { writeFilesAtomically } from "../io/secure-files.js";
import type { LabPlan } from "./lab-plan.js";

export interface LabPkiResult {
  caCert: string;
  caKey: string;
  caNotAfter: string;
  pods: Array<{ name: string; cert: string; key: string; ca: string; sans: San[]; notAfter: string }>;
}

export interface LabPkiOptions {
  /** Extra DNS SANs for the head (e.g. the short name: the seed's DNS.3 = $RAY_IP). */
  headDns?: string[];
  now?: Date;
}

export async function makeLabPki(plan: LabPlan, o: LabPkiOptions = {}): Promise<LabPkiResult> {
  const now = o.now ?? new Date();
  const ca = await createCa({ days: 30, subject: `/CN=raytls lab CA ${plan.name}/O=raytls`, now });
  const caCert = join(plan.dir, "ca", "ca.crt");
  const caKey = join(plan.dir, "ca", "ca.key");
  await writeFilesAtomically(
    [
      { path: caCert, data: ca.certPem, mode: 0o644 },
      { path: caKey, data: ca.keyPem, mode: 0o400 },
    ],
    { force: true },
  );
  const loaded = loadCa(ca.certPem, ca.keyPem, { cert: caCert, key: caKey }, now);
  const pods: LabPkiResult["pods"] = [];
  for (const pod of plan.pods) {
    const issued = issuePodCert({
      ca: loaded,
      role: pod.role,
      podIp: pod.ip,
      ...(pod.role === "head" ? { headFqdn: plan.headFqdn, dns: o.headDns ?? [] } : {}),
      days: 7,
      now,
    });
    const cert = join(pod.tlsDir, "tls.crt");
    const key = join(pod.tlsDir, "tls.key");
    const caCopy = join(pod.tlsDir, "ca.crt");
    await writeFilesAtomically(
      [
        { path: cert, data: issued.certPem, mode: 0o644 },
        { path: key, data: issued.keyPem, mode: 0o600 },
        { path: caCopy, data: ca.certPem, mode: 0o644 },
      ],
      { force: true },
    );
    pods.push({ name: pod.name, cert, key, ca: caCopy, sans: issued.sans, notAfter: issued.notAfter.toISOString() });
  }
  return { caCert, caKey, caNotAfter: ca.notAfter.toISOString(), pods };
}
