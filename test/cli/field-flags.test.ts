/**
 * The library names the option at fault (`dns[1]`, `ips[0]`, `days`); the CLI says which flag that
 * is (`--dns`), from one table (src/cli/field-flags.ts; issue 12 section 2).
 */
import path from "node:path";
import type { Command } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { RaytlsError } from "../../src/errors.js";
import { createCa, loadCa, type LoadedCa } from "../../src/pki/ca.js";
import { issuePodCert } from "../../src/pki/issue.js";
import { buildManifest } from "../../src/k8s/manifest.js";
import { gencertScript } from "../../src/k8s/seed-scripts.js";
import { parseKeyType } from "../../src/pki/key-types.js";
import { healthCheck } from "../../src/ray/health-check.js";
import { parseSignerUrl } from "../../src/signer/client.js";
import { FIELD_FLAGS, flagFor, inCliTerms } from "../../src/cli/field-flags.js";
import { buildProgram } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { runCli } from "../helpers/cli.js";
import { useTempDir } from "../helpers/temp-dir.js";

function thrown(fn: () => unknown): RaytlsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RaytlsError);
    return err as RaytlsError;
  }
  throw new Error("expected a RaytlsError, nothing was thrown");
}

let ca: LoadedCa;
let caPems: { certPem: string; keyPem: string };
beforeAll(async () => {
  caPems = await createCa({ days: 2 });
  ca = loadCa(caPems.certPem, caPems.keyPem);
});

describe("library errors name the option", () => {
  it("issuePodCert: dns[1], ips[0], days, podIp", () => {
    const dns = thrown(() => issuePodCert({ ca, role: "worker", podIp: "10.0.0.9", dns: ["ok", "bad name!"] }));
    expect(dns.field).toBe("dns[1]");
    expect(dns.message).toBe('dns[1]: "bad name!" is not a valid DNS name');
    expect(dns.exitCode).toBe(2);
    expect(dns.toJSON()).toMatchObject({ code: "bad-dns-name", field: "dns[1]" });
    expect(thrown(() => issuePodCert({ ca, role: "worker", podIp: "10.0.0.9", ips: ["10.0.0.300"] })).message).toBe('ips[0]: "10.0.0.300" is not a valid IP address');
    expect(thrown(() => issuePodCert({ ca, role: "worker", podIp: "10.0.0.9", days: 0 })).message).toBe("days: 0 is not between 1 and 36500");
    expect(thrown(() => issuePodCert({ ca, role: "worker", podIp: "pod" })).field).toBe("podIp");
  });

  it("createCa and the seed scripts: days and headDns[i]; buildManifest: the missing ca", async () => {
    await expect(createCa({ days: 36501 })).rejects.toMatchObject({ field: "days", message: "days: 36501 is not between 1 and 36500" });
    await expect(createCa({ subject: "CN=x" })).rejects.toMatchObject({ field: "subject", message: 'subject: "CN=x" must start with "/" like openssl -subj' });
    expect(thrown(() => gencertScript("head", { days: 1.5 })).field).toBe("days");
    expect(thrown(() => gencertScript("head", { headDns: ["a", "b..c"] })).message).toBe('headDns[1]: "b..c" is not a valid DNS name');
    const noCa = thrown(() => buildManifest({ name: "demo", namespace: "default", mode: "seed", clusterDomain: "cluster.local" }));
    expect([noCa.code, noCa.field]).toEqual(["missing-option", "ca"]);
    const noTokens = thrown(() => buildManifest({ name: "demo", namespace: "default", mode: "signer", clusterDomain: "cluster.local", ca: { caCertPem: caPems.certPem, caKeyPem: caPems.keyPem } }));
    expect(noTokens.field).toBe("signer");
  });

  it("healthCheck: address; parseKeyType: keyType; the signer client: url", async () => {
    await expect(healthCheck({ address: "head-svc", tls: null })).rejects.toMatchObject({ field: "address", message: 'address: "head-svc" has no port' });
    expect(thrown(() => parseKeyType("ed448")).message).toBe('keyType: unknown key type "ed448"');
    expect(thrown(() => parseSignerUrl("http://signer:8443")).field).toBe("url");
  });
});

describe("the CLI says its flag", () => {
  const dir = useTempDir("raytls-field-flags-");
  const caDir = () => path.join(dir.dir, "ca");
  beforeAll(async () => {
    const r = await runCli(["ca", "create", "--out", caDir(), "--days", "2"]);
    expect(r.code).toBe(0);
  });

  it("pod-cert --dns 'bad name!' says --dns (text and --json), not dns[1]", async () => {
    const argv = ["pod-cert", "--role", "worker", "--pod-ip", "10.0.0.9", "--dns", "ok", "--dns", "bad name!", "--ca-dir", caDir(), "--out", path.join(dir.dir, "out")];
    const text = await runCli(argv);
    expect(text.code).toBe(2);
    expect(text.err).toContain('ERROR: --dns: "bad name!" is not a valid DNS name');
    expect(text.err).not.toContain("dns[1]");
    const json = await runCli([...argv, "--json"]);
    expect(JSON.parse(json.out).error).toMatchObject({ code: "bad-dns-name", field: "--dns", message: '--dns: "bad name!" is not a valid DNS name' });
  });

  it("health-check --address and ca create --key-type say their flags", async () => {
    const hc = await runCli(["health-check", "--address", "head-svc"]);
    expect([hc.code, hc.err]).toEqual([2, expect.stringContaining('ERROR: --address: "head-svc" has no port')]);
    const ca = await runCli(["ca", "create", "--out", path.join(dir.dir, "ca2"), "--key-type", "ed448"]);
    expect([ca.code, ca.err]).toEqual([2, expect.stringContaining('ERROR: --key-type: unknown key type "ed448"')]);
  });

  it("csr create --ip and --pod-ip say their flags", async () => {
    const base = ["csr", "create", "--role", "worker", "--key-out", path.join(dir.dir, "k"), "--csr-out", path.join(dir.dir, "c")];
    expect((await runCli([...base, "--pod-ip", "10.0.0.9", "--ip", "1.2.3"])).err).toContain('ERROR: --ip: "1.2.3" is not a valid IP address');
    expect((await runCli([...base, "--pod-ip", "nope"])).err).toContain('ERROR: --pod-ip: "nope" is not a valid IP address');
  });
});

describe("inCliTerms and the table", () => {
  it("maps the leading option path only, keeps code, kind, hint and cause", () => {
    const cause = new Error("low");
    const e = inCliTerms(new RaytlsError("bad-dns-name", 'dns[1]: "x_" is bad', { hint: "fix it", field: "dns[1]", kind: "check", cause }));
    expect([e.message, e.field, e.code, e.kind, e.hint, e.cause]).toEqual(['--dns: "x_" is bad', "--dns", "bad-dns-name", "check", "fix it", cause]);
    expect(flagFor("workerGroups[0].name")).toBe("--worker-group");
    const asFlag = new RaytlsError("bad-days", "--days: 0 is bad", { field: "--days" });
    expect(inCliTerms(asFlag)).toBe(asFlag);
    const file = new RaytlsError("bad-csr", "req.pem: DNS SAN: bad", { field: "req.pem: DNS SAN" });
    expect(inCliTerms(file)).toBe(file);
    expect(flagFor("toString")).toBeUndefined();
    // a CSR file that happens to be called dns.csr is not the option dns
    expect(flagFor("dns.csr: DNS SAN")).toBeUndefined();
    expect(flagFor("dns.csr")).toBeUndefined();
  });

  it("every flag in the table is a flag some verb has", () => {
    const ctx: CliContext = { out: () => {}, err: () => {}, env: {}, cwd: process.cwd(), exitCode: 0, color: false };
    const flags = new Set<string>();
    const walk = (c: Command): void => {
      c.options.forEach((o) => o.long && flags.add(o.long));
      c.commands.forEach(walk);
    };
    walk(buildProgram(ctx));
    for (const flag of Object.values(FIELD_FLAGS)) expect(flags, flag).toContain(flag);
  });
});
