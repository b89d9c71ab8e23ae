/** The openssl CLI as a real peer: make certificates with arbitrary extensions, verify, handshake. */
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";

export function openssl(args: string[], o: { cwd?: string; input?: string } = {}): { code: number; out: string; err: string } {
  const r = spawnSync("openssl", args, { cwd: o.cwd, input: o.input, encoding: "utf8", timeout: 30_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A CA made by openssl (ECDSA P-256 unless `rsa`), as the seed's Step 1-1 does. */
export function opensslCa(dir: string, name = "ca", o: { rsa?: boolean; subj?: string } = {}): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  const newkey = o.rsa ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
  execFileSync("openssl", ["req", "-x509", "-sha256", "-days", "3650", "-nodes", ...newkey, "-subj", o.subj ?? `/CN=${name} test CA`, "-keyout", key, "-out", cert], { stdio: "pipe" });
  return { cert, key };
}

/**
 * A leaf signed by `ca` with any extensions, e.g. `subjectAltName=DNS:a,IP:10.0.0.1` and
 * `extendedKeyUsage=serverAuth`. `san` undefined makes a certificate with no SAN at all.
 */
export function opensslLeaf(
  dir: string,
  name: string,
  ca: { cert: string; key: string },
  o: { cn?: string; san?: string; eku?: string; days?: number; keyUsage?: string; rsa?: boolean; notBefore?: string; notAfter?: string } = {},
): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  const newkey = o.rsa ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
  execFileSync("openssl", ["req", "-new", "-nodes", ...newkey, "-subj", `/CN=${o.cn ?? name}`, "-keyout", key, "-out", csr], { stdio: "pipe" });
  const lines = ["basicConstraints=critical,CA:FALSE", `keyUsage=critical,${o.keyUsage ?? "digitalSignature"}`];
  if (o.eku !== "") lines.push(`extendedKeyUsage=${o.eku ?? "serverAuth,clientAuth"}`);
  if (o.san !== undefined) lines.push(`subjectAltName=${o.san}`);
  writeFileSync(ext, lines.join("\n") + "\n");
  if (o.notBefore || o.notAfter) {
    // `openssl x509 -req` cannot set arbitrary dates; `openssl ca` can, with a throwaway database.
    const db = path.join(dir, `${name}.db`);
    writeFileSync(db, "");
    const conf = path.join(dir, `${name}.cnf`);
    writeFileSync(conf, `[ca]\ndefault_ca=d\n[d]\ndatabase=${db}\nnew_certs_dir=${dir}\nserial=${path.join(dir, `${name}.srl`)}\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n`);
    writeFileSync(path.join(dir, `${name}.srl`), "1000\n");
    execFileSync("openssl", ["ca", "-batch", "-config", conf, "-cert", ca.cert, "-keyfile", ca.key, "-in", csr, "-out", cert, "-extfile", ext, "-startdate", o.notBefore ?? "20200101000000Z", "-enddate", o.notAfter ?? "20300101000000Z", "-notext"], { stdio: "pipe" });
  } else {
    execFileSync("openssl", ["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-set_serial", `0x${Math.floor(Math.random() * 2 ** 48).toString(16)}`, "-days", String(o.days ?? 30), "-sha256", "-extfile", ext, "-out", cert], { stdio: "pipe" });
  }
  return { cert, key };
}
