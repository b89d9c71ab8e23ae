/**
 * The bad-input corpus (issue #2): every case exits 2, says what and where with a hint, prints no
 * stack trace, and writes nothing (the working directory is byte-for-byte unchanged).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createCa, loadCa } from "../../src/pki/ca.js";
import { issuePodCert } from "../../src/pki/issue.js";
import { runCli } from "../helpers/cli.js";
import { useTempDir } from "../helpers/temp-dir.js";

const fixtures = useTempDir("raytls-badinput-");
/** Each case runs in a copy of the fixtures, so a case that writes cannot affect the next. */
const work = useTempDir("raytls-case-", { each: true });
const F = (p: string): string => path.join(fixtures.dir, p);

beforeAll(async () => {
  const good = await createCa();
  mkdirSync(F("ca"));
  writeFileSync(F("ca/ca.crt"), good.certPem);
  writeFileSync(F("ca/ca.key"), good.keyPem);
  const other = await createCa();
  mkdirSync(F("mismatch"));
  writeFileSync(F("mismatch/ca.crt"), good.certPem);
  writeFileSync(F("mismatch/ca.key"), other.keyPem);
  mkdirSync(F("garbage"));
  writeFileSync(F("garbage/ca.crt"), "hello, I am not a certificate\n");
  writeFileSync(F("garbage/ca.key"), good.keyPem);
  mkdirSync(F("truncated"));
  writeFileSync(F("truncated/ca.crt"), good.certPem.slice(0, Math.floor(good.certPem.length / 2)));
  writeFileSync(F("truncated/ca.key"), good.keyPem);
  mkdirSync(F("truncated-key"));
  writeFileSync(F("truncated-key/ca.crt"), good.certPem);
  // Drop the second base64 line: the PEM frame stays intact, the DER inside is cut short.
  writeFileSync(F("truncated-key/ca.key"), good.keyPem.split("\n").filter((_, i) => i !== 2).join("\n"));
  const expired = await createCa({ now: new Date("2020-01-01T00:00:00Z"), days: 30 });
  mkdirSync(F("expired"));
  writeFileSync(F("expired/ca.crt"), expired.certPem);
  writeFileSync(F("expired/ca.key"), expired.keyPem);
  const leaf = issuePodCert({ ca: loadCa(good.certPem, good.keyPem), role: "worker", podIp: "10.0.0.9" });
  mkdirSync(F("leaf-as-ca"));
  writeFileSync(F("leaf-as-ca/ca.crt"), leaf.certPem);
  writeFileSync(F("leaf-as-ca/ca.key"), leaf.keyPem);
  mkdirSync(F("weak"));
  execFileSync("openssl", ["req", "-x509", "-nodes", "-newkey", "rsa:1024", "-subj", "/CN=weak", "-days", "30", "-keyout", F("weak/ca.key"), "-out", F("weak/ca.crt")], { stdio: "pipe" });
  mkdirSync(F("encrypted"));
  writeFileSync(F("encrypted/ca.crt"), good.certPem);
  execFileSync("openssl", ["pkey", "-in", F("ca/ca.key"), "-aes256", "-passout", "pass:secret", "-out", F("encrypted/ca.key")], { stdio: "pipe" });
  mkdirSync(F("existing"));
  writeFileSync(F("existing/ca.crt"), "keep me\n");
  writeFileSync(F("existing/tls.key"), "keep me too\n");
  writeFileSync(F("leaf.crt"), leaf.certPem);
  // A valid worker certificate for 10.0.0.9: another pod's files, as far as 10.0.0.7 is concerned.
  mkdirSync(F("other-pod"));
  writeFileSync(F("other-pod/tls.crt"), leaf.certPem);
  writeFileSync(F("other-pod/tls.key"), leaf.keyPem);
  writeFileSync(F("other-pod/ca.crt"), good.certPem);
  writeFileSync(F("leaf.key"), leaf.keyPem);
  writeFileSync(F("garbage.txt"), "just text\n");
  writeFileSync(F("two-docs.yaml"), "apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: rc}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n");
  const csr = execFileSync("openssl", ["req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/CN=x", "-addext", "subjectAltName=DNS:localhost,IP:10.0.0.9", "-keyout", "/dev/null"], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
  writeFileSync(F("good.csr"), csr);
  // Flip one byte inside the signature: the CSR parses but its self-signature fails.
  const der = Buffer.from(csr.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  der[der.length - 5] = der[der.length - 5]! ^ 0x01;
  writeFileSync(F("tampered.csr"), `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE REQUEST-----\n`);
  const nosan = execFileSync("openssl", ["req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/CN=x", "-keyout", "/dev/null"], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
  writeFileSync(F("nosan.csr"), nosan);
});

/** name -> sha256 of every file below dir (modes included), to prove nothing was written. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = `${statSync(p).mode.toString(8)}:${createHash("sha256").update(readFileSync(p)).digest("hex")}`;
    }
  };
  walk(dir);
  return out;
}

interface Case {
  name: string;
  argv: string[];
  env?: NodeJS.ProcessEnv;
  message: RegExp;
}

const POD = ["--pod-ip", "10.0.0.9"];
const HEAD = ["--role", "head", "--pod-ip", "10.0.0.5", "--head-fqdn", "raycluster-tls-head-svc.default.svc.cluster.local"];
const cases: Case[] = [
  { name: "ca create: unknown key type", argv: ["ca", "create", "--out", "new-ca", "--key-type", "dsa-1024"], message: /--key-type: unknown key type "dsa-1024"/ },
  { name: "ca create: key type weaker than RSA-2048", argv: ["ca", "create", "--out", "new-ca", "--key-type", "rsa-1024"], message: /unknown key type "rsa-1024"/ },
  { name: "ca create: negative days", argv: ["ca", "create", "--out", "new-ca", "--days", "-5"], message: /--days: -5 is not between 1 and 36500/ },
  { name: "ca create: days not a number", argv: ["ca", "create", "--out", "new-ca", "--days", "ten"], message: /--days: "ten" is not a whole number/ },
  { name: "ca create: subject without slash", argv: ["ca", "create", "--out", "new-ca", "--subject", "CN=x"], message: /--subject: "CN=x" must start with "\/"/ },
  { name: "ca create: subject with unknown attribute", argv: ["ca", "create", "--out", "new-ca", "--subject", "/XX=foo"], message: /--subject: cannot read "XX=foo"/ },
  { name: "ca create: bad country", argv: ["ca", "create", "--out", "new-ca", "--subject", "/CN=a/C=USA"], message: /country "C=USA" must be two letters/ },
  { name: "ca create: existing files without --force", argv: ["ca", "create", "--out", "existing"], message: /refusing to overwrite .*existing\/ca\.crt/ },
  { name: "ca create: --out missing", argv: ["ca", "create"], message: /required option '--out <dir>' not specified/ },
  { name: "pod-cert: unknown role", argv: ["pod-cert", "--role", "boss", ...POD, "--ca-dir", "ca", "--out", "o"], message: /--role: unknown role "boss"/ },
  { name: "pod-cert: POD_IP missing", argv: ["pod-cert", "--role", "worker", "--ca-dir", "ca", "--out", "o"], message: /the pod IP is missing/ },
  { name: "pod-cert: head FQDN missing", argv: ["pod-cert", "--role", "head", "--pod-ip", "10.0.0.5", "--ca-dir", "ca", "--out", "o"], message: /head certificate needs the head Service FQDN/ },
  { name: "pod-cert: invalid pod IP", argv: ["pod-cert", "--role", "worker", "--pod-ip", "10.0.0.300", "--ca-dir", "ca", "--out", "o"], message: /--pod-ip: "10\.0\.0\.300" is not a valid IP address/ },
  { name: "pod-cert: invalid POD_IP from env", argv: ["pod-cert", "--role", "worker", "--ca-dir", "ca", "--out", "o"], env: { POD_IP: "not-an-ip" }, message: /"not-an-ip" is not a valid IP address/ },
  { name: "pod-cert: invalid extra IP", argv: ["pod-cert", "--role", "worker", ...POD, "--ip", "fd00:::1", "--ca-dir", "ca", "--out", "o"], message: /--ip: "fd00:::1" is not a valid IP/ },
  { name: "pod-cert: invalid DNS name", argv: ["pod-cert", "--role", "worker", ...POD, "--dns", "bad_name!", "--ca-dir", "ca", "--out", "o"], message: /--dns: "bad_name!" is not a valid DNS name/ },
  { name: "pod-cert: IP passed as DNS", argv: ["pod-cert", "--role", "worker", ...POD, "--dns", "10.0.0.1", "--ca-dir", "ca", "--out", "o"], message: /--dns: "10\.0\.0\.1" is an IP address/ },
  { name: "pod-cert: invalid head FQDN", argv: ["pod-cert", "--role", "head", "--pod-ip", "10.0.0.5", "--head-fqdn", "bad..name", "--ca-dir", "ca", "--out", "o"], message: /--head-fqdn: "bad\.\.name" is not a valid DNS name/ },
  { name: "pod-cert: unknown key type", argv: ["pod-cert", ...HEAD, "--key-type", "ed448", "--ca-dir", "ca", "--out", "o"], message: /unknown key type "ed448"/ },
  { name: "pod-cert: zero days", argv: ["pod-cert", ...HEAD, "--days", "0", "--ca-dir", "ca", "--out", "o"], message: /--days: 0 is not between/ },
  { name: "pod-cert: missing CA dir", argv: ["pod-cert", ...HEAD, "--ca-dir", "no-such-dir", "--out", "o"], message: /CA directory .*no-such-dir does not exist/ },
  { name: "pod-cert: garbage CA certificate", argv: ["pod-cert", ...HEAD, "--ca-dir", "garbage", "--out", "o"], message: /garbage\/ca\.crt: no PEM certificate found/ },
  { name: "pod-cert: truncated CA certificate", argv: ["pod-cert", ...HEAD, "--ca-dir", "truncated", "--out", "o"], message: /truncated\/ca\.crt:1: CERTIFICATE block no matching END line/ },
  { name: "pod-cert: truncated CA key", argv: ["pod-cert", ...HEAD, "--ca-dir", "truncated-key", "--out", "o"], message: /truncated-key\/ca\.key: the private key cannot be read/ },
  { name: "pod-cert: CA key does not match", argv: ["pod-cert", ...HEAD, "--ca-dir", "mismatch", "--out", "o"], message: /mismatch\/ca\.key does not belong to .*mismatch\/ca\.crt/ },
  { name: "pod-cert: CA is not a CA", argv: ["pod-cert", ...HEAD, "--ca-dir", "leaf-as-ca", "--out", "o"], message: /leaf-as-ca\/ca\.crt: this certificate is not a CA/ },
  { name: "pod-cert: CA expired", argv: ["pod-cert", ...HEAD, "--ca-dir", "expired", "--out", "o"], message: /expired\/ca\.crt: the CA expired on 2020-01-31/ },
  { name: "pod-cert: weak CA key", argv: ["pod-cert", ...HEAD, "--ca-dir", "weak", "--out", "o"], message: /weak\/ca\.key: RSA key of 1024 bits is too weak/ },
  { name: "pod-cert: encrypted CA key", argv: ["pod-cert", ...HEAD, "--ca-dir", "encrypted", "--out", "o"], message: /encrypted\/ca\.key: the private key is encrypted/ },
  { name: "pod-cert: existing output without --force", argv: ["pod-cert", ...HEAD, "--ca-dir", "ca", "--out", "existing"], message: /refusing to replace the files in .*existing: tls\.crt is missing beside tls\.key and ca\.crt/ },
  { name: "pod-cert: another pod's valid certificate in --out, no --renew", argv: ["pod-cert", "--role", "worker", "--pod-ip", "10.0.0.7", "--ca-dir", "ca", "--out", "other-pod"], message: /refusing to replace the files in .*other-pod: tls\.crt names DNS:localhost, IP:127\.0\.0\.1, IP:10\.0\.0\.9; this pod needs .*IP:10\.0\.0\.7(.|\n)*hint: pass --renew/ },
  { name: "pod-cert: no --ca-dir and no CA at the default mount", argv: ["pod-cert", ...HEAD, "--out", "o"], message: /default CA directory \/etc\/ca\/tls .*does not exist(.|\n)*hint: pass --ca-dir DIR/ },
  { name: "pod-cert: --ca-dir with --ca-cert", argv: ["pod-cert", ...HEAD, "--ca-dir", "ca", "--ca-cert", "ca/ca.crt", "--ca-key", "ca/ca.key", "--out", "o"], message: /--ca-dir cannot be combined with --ca-cert/ },
  { name: "pod-cert: --ca-cert without --ca-key", argv: ["pod-cert", ...HEAD, "--ca-cert", "ca/ca.crt", "--out", "o"], message: /--ca-key is missing/ },
  { name: "pod-cert --signer: with --ca-dir (no CA key in a pod)", argv: ["pod-cert", "--role", "worker", ...POD, "--signer", "https://127.0.0.1:1", "--ca-dir", "ca", "--out", "o"], message: /--signer cannot be combined with --ca-dir/ },
  { name: "pod-cert --signer: not https", argv: ["pod-cert", "--role", "worker", ...POD, "--signer", "http://127.0.0.1:1", "--token-file", "garbage.txt", "--ca-cert", "ca/ca.crt", "--out", "o"], message: /--signer: "http:\/\/127\.0\.0\.1:1" is not https/ },
  { name: "pod-cert --signer: no token file", argv: ["pod-cert", "--role", "worker", ...POD, "--signer", "https://127.0.0.1:1", "--ca-cert", "ca/ca.crt", "--out", "o"], message: /--signer needs --token-file/ },
  { name: "pod-cert --signer: missing token file", argv: ["pod-cert", "--role", "worker", ...POD, "--signer", "https://127.0.0.1:1", "--token-file", "none.token", "--ca-cert", "ca/ca.crt", "--out", "o"], message: /--token-file: cannot read .*none\.token: no such file/ },
  { name: "pod-cert --signer: --days (the signer decides)", argv: ["pod-cert", "--role", "worker", ...POD, "--signer", "https://127.0.0.1:1", "--token-file", "garbage.txt", "--ca-cert", "ca/ca.crt", "--days", "30", "--out", "o"], message: /--days does not go with --signer/ },
  { name: "pod-cert: --source-ip without --signer", argv: ["pod-cert", "--role", "worker", ...POD, "--source-ip", "127.0.0.3", "--ca-dir", "ca", "--out", "o"], message: /--source-ip goes with --signer/ },
  { name: "signer serve: bad --listen", argv: ["signer", "serve", "--ca-dir", "ca", "--listen", "nope", "--head-token-file", "garbage.txt", "--worker-token-file", "garbage.txt", "--head-fqdn", "x.example"], message: /--listen: "nope" is not IP:PORT/ },
  { name: "lab up: --port 0 (the workers need the head's port before it starts)", argv: ["lab", "up", "--port", "0", "--name", "c12-port0", "--dir", "lab"], message: /--port: 0 \(any free port\) does not work for a lab(.|\n)*hint: give a free port/ },
  { name: "lab up: --port past 65535", argv: ["lab", "up", "--port", "70000", "--name", "c12-port0", "--dir", "lab"], message: /--port: "70000" is not a port number \(1-65535\)/ },
  { name: "node: --port past 65535", argv: ["node", "--role", "head", "--port", "99999"], message: /--port: "99999" is not a port number \(0-65535\)(.|\n)*--port 0 for any free port/ },
  { name: "csr create: bad pod IP", argv: ["csr", "create", "--role", "worker", "--pod-ip", "1.2.3", "--key-out", "k", "--csr-out", "c"], message: /"1\.2\.3" is not a valid IP address/ },
  { name: "csr sign: not a CSR", argv: ["csr", "sign", "--csr", "garbage.txt", "--ca-dir", "ca", "--cert-out", "x.crt"], message: /garbage\.txt: no PEM certificate request found/ },
  { name: "csr sign: tampered CSR", argv: ["csr", "sign", "--csr", "tampered.csr", "--ca-dir", "ca", "--cert-out", "x.crt"], message: /tampered\.csr: the request's signature does not verify/ },
  { name: "csr sign: CSR without SAN", argv: ["csr", "sign", "--csr", "nosan.csr", "--ca-dir", "ca", "--cert-out", "x.crt"], message: /nosan\.csr: the request asks for no subjectAltName/ },
  { name: "csr sign: missing CSR file", argv: ["csr", "sign", "--csr", "none.csr", "--ca-dir", "ca", "--cert-out", "x.crt"], message: /--csr: cannot read .*none\.csr: no such file/ },
  { name: "verify: missing CA file", argv: ["verify", "--ca-cert", "nope.crt", "--cert", "leaf.crt"], message: /--ca-cert: cannot read .*nope\.crt: no such file/ },
  { name: "verify: key given as certificate", argv: ["verify", "--ca-cert", "ca/ca.crt", "--cert", "leaf.key"], message: /leaf\.key: no PEM certificate found \(found PRIVATE KEY\)/ },
  { name: "verify: unknown purpose", argv: ["verify", "--ca-cert", "ca/ca.crt", "--cert", "leaf.crt", "--purpose", "sideways"], message: /--purpose: unknown purpose "sideways"/ },
  { name: "verify: bad --at", argv: ["verify", "--ca-cert", "ca/ca.crt", "--cert", "leaf.crt", "--at", "tomorrowish"], message: /--at: "tomorrowish" is not an ISO time/ },
  { name: "inspect: missing file", argv: ["inspect", "nothing.pem"], message: /cannot read nothing\.pem: no such file/ },
  { name: "inspect: nothing inspectable", argv: ["inspect", "garbage.txt"], message: /garbage\.txt: no certificate, certificate request or private key found/ },
  { name: "manifest: invalid --ca-secret", argv: ["manifest", "--name", "rc", "--ca-secret", "CA_TLS"], message: /--ca-secret: "CA_TLS" is not a valid Secret name/ },
  { name: "manifest: --ca-secret outside seed mode", argv: ["manifest", "--name", "rc", "--mode", "signer", "--ca-secret", "ca-tls"], message: /--ca-secret only goes with --mode seed/ },
  { name: "ca create: unknown --output (named before the missing --out)", argv: ["ca", "create", "--output", "./x"], message: /^ERROR: unknown option '--output'\n  hint: did you mean --out\?/ },
  { name: "pod-cert: --pod_ip", argv: ["pod-cert", "--pod_ip", "10.0.0.9", "--role", "worker", "--ca-dir", "ca", "--out", "o"], message: /unknown option '--pod_ip'\n  hint: did you mean --pod-ip\?/ },
  { name: "verify: no --ca-cert", argv: ["verify", "--cert", "leaf.crt"], message: /required option '--ca-cert <file>' not specified/ },
  { name: "verify: --ca and --ca-cert together", argv: ["verify", "--ca", "ca/ca.crt", "--ca-cert", "ca/ca.crt", "--cert", "leaf.crt"], message: /--ca and --ca-cert are the same option; give it once/ },
  { name: "csr sign: no --cert-out", argv: ["csr", "sign", "--csr", "good.csr", "--ca-dir", "ca"], message: /required option '--cert-out <file>' not specified/ },
  { name: "inspect: a directory", argv: ["inspect", "ca"], message: /cannot read ca: it is a directory\n  hint: pass a file in it, e.g\. ca\/ca\.crt/ },
  { name: "manifest: --crd given a multi-document manifest", argv: ["manifest", "--name", "rc", "--crd", "two-docs.yaml"], message: /--crd .*two-docs\.yaml: not a CustomResourceDefinition \(its 2 documents are RayCluster, Secret\)/ },
  { name: "lab up: --workers 0", argv: ["lab", "up", "--workers", "0"], message: /--workers: "0" is not a whole number from 1 to 50\n  hint: a lab needs at least one worker pod/ },
  { name: "demo: --workers many", argv: ["demo", "--workers", "lots"], message: /--workers: "lots" is not a whole number from 1 to 10/ },
  { name: "unknown verb", argv: ["certify"], message: /unknown command 'certify'/ },
];

describe("bad input: exit 2, a clear message, nothing written", () => {
  it("has at least 30 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)("$name", async (c) => {
    cpSync(fixtures.dir, work.dir, { recursive: true });
    const before = snapshot(work.dir);
    const r = await runCli(c.argv, { cwd: work.dir, env: c.env ?? {} });
    expect(r.code, `stderr: ${r.err}`).toBe(2);
    expect(r.err).toMatch(c.message);
    expect(r.err).not.toMatch(/^\s+at /m);
    // raytls's own form for every error, commander's included (issue 11): no lowercase "error:".
    expect(r.err).toMatch(/^ERROR: /);
    expect(r.err).not.toMatch(/^error:/m);
    // Errors raised by raytls carry a hint; commander's usage errors point at --help.
    expect(r.err).toMatch(/hint: |--help/);
    expect(snapshot(work.dir)).toEqual(before);
  });
});
