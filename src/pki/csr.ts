/**
 * Certificate signing requests (the seed's `openssl req -new` then `x509 -req`): made where the key
 * lives, signed where the CA lives. Signing applies the leaf profile whatever the CSR asks for:
 * its key and names are taken, its basicConstraints, key usages and validity never are.
 */
import { RaytlsError, describeCause } from "../errors.js";
import { decodeGeneralNames } from "./certificate-reader.js";
import * as der from "./der.js";
import { encodeName } from "./distinguished-name.js";
import { DEFAULT_KEY_TYPE, type KeyType } from "./key-types.js";
import { generateKey } from "./keys.js";
import { checkDnsName, checkIp } from "./names.js";
import { parsePem } from "./pem.js";
import { podSans, type PodIdentity } from "./pod-identity.js";
import type { San } from "./san.js";
import { toCryptoKeyPair, webAlgorithm, x509 } from "./x509-provider.js";

export interface CreatedCsr {
  csrPem: string;
  keyPem: string;
  sans: San[];
}

export async function createCsr(o: PodIdentity & { keyType?: KeyType }): Promise<CreatedCsr> {
  const sans = podSans(o);
  const key = generateKey(o.keyType ?? DEFAULT_KEY_TYPE);
  const keys = await toCryptoKeyPair(key.privateKey, key.spki);
  const cn = o.role === "head" ? sans[1]!.value : o.podIp;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: new x509.Name(Buffer.from(encodeName([["CN", cn], ["OU", o.role], ["O", "raytls"]]))),
    keys,
    signingAlgorithm: webAlgorithm(key.privateKey),
    extensions: [new x509.SubjectAlternativeNameExtension(sans.map((s) => ({ type: s.type, value: s.value })))],
  });
  return { csrPem: csr.toString("pem") + "\n", keyPem: key.privatePem, sans };
}

export interface ParsedCsr {
  /** SubjectPublicKeyInfo, DER. */
  spki: Uint8Array;
  subject: string;
  /** The names the CSR asks for, checked as DNS names and IPs. */
  sans: San[];
  /** What the CSR asked for that signing ignores (e.g. "CA:TRUE"). */
  ignored: string[];
}

/** Parses a PEM CSR and checks its self-signature (proof that the requester holds the key). */
export async function parseCsr(pem: string, where: string): Promise<ParsedCsr> {
  const { blocks, broken } = parsePem(pem);
  const block = blocks.find((b) => b.label === "CERTIFICATE REQUEST" || b.label === "NEW CERTIFICATE REQUEST");
  if (!block) {
    const why = broken[0] ? `:${broken[0].line}: ${broken[0].label} block ${broken[0].why}` : ": no PEM certificate request found";
    throw new RaytlsError("bad-csr", `${where}${why}`, { hint: "expected a block starting with -----BEGIN CERTIFICATE REQUEST----- (raytls csr create makes one)" });
  }
  let csr: InstanceType<typeof x509.Pkcs10CertificateRequest>;
  try {
    csr = new x509.Pkcs10CertificateRequest(Buffer.from(block.der));
  } catch (err) {
    throw new RaytlsError("bad-csr", `${where}: the certificate request cannot be read: ${describeCause(err)}`, { hint: "make it again with `raytls csr create`", cause: err });
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch (err) {
    throw new RaytlsError("bad-csr", `${where}: the request's signature cannot be checked: ${describeCause(err)}`, { hint: "use an RSA (>= 2048) or ECDSA P-256/P-384 key", cause: err });
  }
  if (!valid) {
    throw new RaytlsError("bad-csr-signature", `${where}: the request's signature does not verify`, { hint: "the CSR was altered or signed with another key; make it again" });
  }
  const spki = new Uint8Array(csr.publicKey.rawData);
  const sans: San[] = [];
  const ignored: string[] = [];
  for (const ext of csr.extensions) {
    if (ext.type === "2.5.29.17") {
      const raw = new Uint8Array(ext.value);
      for (const s of decodeGeneralNames(raw, der.read(raw))) {
        if (s.type === "dns") sans.push({ type: "dns", value: checkDnsName(s.value, `${where}: DNS SAN`) });
        else if (s.type === "ip") sans.push({ type: "ip", value: checkIp(s.value, `${where}: IP SAN`) });
        else ignored.push(`${s.type.toUpperCase()} SAN ${s.value}`);
      }
    } else if (ext.type === "2.5.29.19") {
      const bc = new x509.BasicConstraintsExtension(ext.rawData);
      if (bc.ca) ignored.push("CA:TRUE");
    } else {
      ignored.push(`extension ${ext.type}`);
    }
  }
  if (sans.length === 0) {
    throw new RaytlsError("csr-no-san", `${where}: the request asks for no subjectAltName`, {
      hint: "gRPC matches names against SANs only (never the CN for an IP); make the CSR with `raytls csr create --role ...`",
    });
  }
  return { spki, subject: csr.subject, sans, ignored };
}

