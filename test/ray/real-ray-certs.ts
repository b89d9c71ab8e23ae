/**
 * Pod certificate directories for the real-Ray verdict cases (test/ray/real-ray.test.ts): each
 * holds tls.crt, tls.key and ca.crt, the three files Ray's TLS env names. Made three ways, as users
 * make them: by raytls's library, by the openssl CLI with an extension file, and by the seed's own
 * Step 1-1 command and `gencert_head.sh` / `gencert_worker.sh`, read at test time from
 * ../shared/reference (never copied into the repo).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import type { SharedReference } from "../helpers/shared-reference.js";

export interface PemFiles {
  certPem: string;
  keyPem: string;
  caPem: string;
}

/** DIR/NAME/{tls.crt,tls.key,ca.crt}; returns DIR/NAME. */
export function writePodDir(dir: string, name: string, f: PemFiles): string {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, "tls.crt"), f.certPem);
  writeFileSync(path.join(d, "tls.key"), f.keyPem, { mode: 0o600 });
  writeFileSync(path.join(d, "ca.crt"), f.caPem);
  return d;
}

/**
 * A P-256 pod certificate made with `openssl req` + `openssl x509 -req -extfile`: `ext` is the
 * extension file's text (empty for none at all, e.g. a CN-only certificate).
 */
export function opensslPodDir(dir: string, name: string, o: { ca: { certPem: string; keyPem: string }; subject: string; ext: string }): string {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, "ca.key"), o.ca.keyPem, { mode: 0o600 });
  writeFileSync(path.join(d, "ca.crt"), o.ca.certPem);
  writeFileSync(path.join(d, "ext.cnf"), o.ext);
  const run = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path.join(d, "tls.key"), "-subj", o.subject, "-out", path.join(d, "tls.csr")]);
  run(["x509", "-req", "-in", path.join(d, "tls.csr"), "-CA", path.join(d, "ca.crt"), "-CAkey", path.join(d, "ca.key"), "-set_serial", `0x${Date.now().toString(16)}`, "-days", "30", ...(o.ext ? ["-extfile", path.join(d, "ext.cnf")] : []), "-out", path.join(d, "tls.crt")]);
  return d;
}

/** The seed's Step 1-1 command (`openssl req -x509 ... -keyout ca.key -out ca.crt`), as one line. */
export function seedCaCommand(seedText: string): string {
  const start = seedText.indexOf("openssl req -x509");
  const end = seedText.indexOf("-out ca.crt", start);
  if (start < 0 || end < 0) throw new Error("seed-kuberay-tls.txt: Step 1-1's `openssl req -x509 ... -out ca.crt` not found");
  return seedText.slice(start, end + "-out ca.crt".length).replace(/\\\n/g, " ");
}

/** `gencert_head.sh` or `gencert_worker.sh` from the sample's `tls` ConfigMap. */
export function seedScript(sampleYaml: string, key: "gencert_head.sh" | "gencert_worker.sh"): string {
  for (const doc of parseAllDocuments(sampleYaml)) {
    const o = doc.toJS() as { kind?: string; data?: Record<string, string> } | null;
    if (o?.kind === "ConfigMap" && typeof o.data?.[key] === "string") return o.data[key];
  }
  throw new Error(`the KubeRay TLS sample has no ConfigMap with ${key}`);
}

/**
 * The seed's whole PKI, made by its own commands: the CA (Step 1-1) in DIR/seed-ca, then each pod's
 * script run as its init container runs it (`cp -R /etc/ca/tls /etc/ray && gencert_*.sh`), with
 * /etc/ray/tls pointed at DIR/<pod> and FQ_RAY_IP and POD_IP in the environment.
 */
export function seedPodDirs(dir: string, refs: { seedText: SharedReference; sample: SharedReference }, pods: Array<{ name: string; role: "head" | "worker"; podIp: string; fqRayIp: string }>): void {
  const caDir = path.join(dir, "seed-ca");
  mkdirSync(caDir, { recursive: true });
  execFileSync("sh", ["-c", seedCaCommand(refs.seedText.text())], { cwd: caDir, stdio: ["ignore", "ignore", "pipe"] });
  const sample = refs.sample.text();
  for (const p of pods) {
    const d = path.join(dir, p.name);
    mkdirSync(d, { recursive: true });
    execFileSync("cp", [path.join(caDir, "ca.crt"), path.join(caDir, "ca.key"), d]);
    const script = seedScript(sample, p.role === "head" ? "gencert_head.sh" : "gencert_worker.sh").replaceAll("/etc/ray/tls", d);
    execFileSync("sh", ["-c", script], { cwd: d, env: { PATH: "/usr/bin:/bin", FQ_RAY_IP: p.fqRayIp, POD_IP: p.podIp }, stdio: ["ignore", "ignore", "pipe"] });
  }
}
