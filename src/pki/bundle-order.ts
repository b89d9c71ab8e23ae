/**
 * A certificate file whose first certificate is a CA while a pod certificate follows (issue 11).
 * Ray, gRPC and openssl present the first block, so every other check would judge the CA: say it
 * once, with where the pod certificate is, instead of several unrelated failures.
 */
import { readCertificatesPem } from "./certificate-reader.js";

export interface MisorderedBundle {
  message: string;
  hint: string;
}

/** `where` names the file in the message; `caFlag` is where the CA belongs (a flag or a variable). */
export function leafNotFirst(pem: string, where: string, caFlag: string): MisorderedBundle | undefined {
  const certs = readCertificatesPem(pem, where);
  if (certs.length < 2 || !certs[0]!.basicConstraints?.ca) return undefined;
  const leaf = certs.findIndex((c) => !c.basicConstraints?.ca);
  if (leaf < 0) return undefined;
  const lines = pem.split("\n").flatMap((l, i) => (l.startsWith("-----BEGIN CERTIFICATE-----") ? [i + 1] : []));
  const name = (i: number) => certs[i]!.subject.text;
  return {
    message: `${where}: the first certificate is a CA (${name(0)}); the pod certificate must come first, and it is certificate ${leaf + 1} of ${certs.length} (${name(leaf)}, line ${lines[leaf] ?? "?"})`,
    hint: `put the pod certificate first, then any intermediates (Ray and gRPC present the first one); the CA belongs in ${caFlag}`,
  };
}
