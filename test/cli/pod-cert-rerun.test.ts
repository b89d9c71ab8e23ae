/**
 * Issue 11: `pod-cert` run twice into the same --out (an init container restarting over its
 * surviving emptyDir) keeps a certificate that still fits this pod and says so; one that does not
 * fit is replaced only with --renew or --force. The signer mode is covered in
 * test/signer/manifest-contract.test.ts with the manifest's own init-container commands.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createCa, loadCa } from "../../src/pki/ca.js";
import { issuePodCert } from "../../src/pki/issue.js";
import { judgeExistingPodCert, RENEW_WHEN_LEFT } from "../../src/pki/pod-cert-reuse.js";
import { podSans } from "../../src/pki/pod-identity.js";
import { runCli } from "../helpers/cli.js";
import { opensslCa, opensslLeaf } from "../helpers/openssl.js";
import { useTempDir } from "../helpers/temp-dir.js";

const work = useTempDir("raytls-rerun-");
const read = (f: string): string => readFileSync(path.join(work.dir, f), "utf8");

describe("pod-cert twice into the same --out (local CA)", () => {
  it("keeps a fitting certificate (text and --json), refuses another pod's without --renew, replaces it with --renew", async () => {
    expect((await runCli(["ca", "create", "--out", "ca"], { cwd: work.dir })).code).toBe(0);
    const args = ["pod-cert", "--role", "worker", "--pod-ip", "10.0.0.7", "--ca-dir", "ca", "--out", "tls"];
    const first = await runCli(args, { cwd: work.dir });
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/^Issued a worker certificate/);
    const cert = read("tls/tls.crt");
    const key = read("tls/tls.key");

    const again = await runCli(args, { cwd: work.dir });
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/^Kept the worker certificate already in .*tls: it still fits this pod/);
    const json = await runCli([...args, "--json"], { cwd: work.dir });
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, action: "kept", role: "worker", sans: ["DNS:localhost", "IP:127.0.0.1", "IP:10.0.0.7"] });
    expect([read("tls/tls.crt"), read("tls/tls.key")]).toEqual([cert, key]);

    const moved = ["pod-cert", "--role", "worker", "--pod-ip", "10.0.0.8", "--ca-dir", "ca", "--out", "tls"];
    const refused = await runCli(moved, { cwd: work.dir });
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/refusing to replace the files in .*tls: tls\.crt names DNS:localhost, IP:127\.0\.0\.1, IP:10\.0\.0\.7; this pod needs DNS:localhost, IP:127\.0\.0\.1, IP:10\.0\.0\.8/);
    expect(read("tls/tls.crt")).toBe(cert);

    const renewed = await runCli([...moved, "--renew", "--json"], { cwd: work.dir });
    expect(renewed.code, renewed.err).toBe(0);
    expect(JSON.parse(renewed.out)).toMatchObject({ action: "issued", replaced: expect.stringMatching(/this pod needs .*10\.0\.0\.8/) });
    expect(read("tls/tls.crt")).not.toBe(cert);
    // --force replaces even a fitting certificate.
    const before = read("tls/tls.crt");
    const forced = await runCli([...moved, "--force"], { cwd: work.dir });
    expect(forced.out).toMatch(/^Replacing the files in .*: --force\nIssued/);
    expect(read("tls/tls.crt")).not.toBe(before);
  });

  it("a certificate made by openssl: kept while young, replaced with --renew when less than a third of its lifetime is left", async () => {
    const dir = path.join(work.dir, "ossl");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(path.join(dir, "ca"), { recursive: true });
    mkdirSync(path.join(dir, "tls"));
    const ca = opensslCa(path.join(dir, "ca"), "ca");
    const day = 86_400_000;
    const stamp = (t: number) => new Date(t).toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
    const make = (from: number, to: number) => {
      const leaf = opensslLeaf(dir, `leaf${from}`, ca, { san: "DNS:localhost,IP:127.0.0.1,IP:10.0.0.7", notBefore: stamp(Date.now() + from * day), notAfter: stamp(Date.now() + to * day) });
      writeFileSync(path.join(dir, "tls/tls.crt"), readFileSync(leaf.cert));
      writeFileSync(path.join(dir, "tls/tls.key"), readFileSync(leaf.key));
      writeFileSync(path.join(dir, "tls/ca.crt"), readFileSync(ca.cert));
    };
    const args = ["pod-cert", "--role", "worker", "--pod-ip", "10.0.0.7", "--ca-dir", "ca", "--out", "tls", "--json"];
    make(-1, 29);
    const kept = await runCli(args, { cwd: dir });
    expect(kept.code, kept.err).toBe(0);
    expect(JSON.parse(kept.out).action).toBe("kept");
    make(-25, 5); // 5 of 30 days left: under a third
    const old = await runCli(args, { cwd: dir });
    expect(old.code).toBe(2);
    expect(old.err).toMatch(/less than a third of its lifetime is left/);
    const renewed = await runCli([...args, "--renew"], { cwd: dir });
    expect(renewed.code, renewed.err).toBe(0);
    expect(JSON.parse(renewed.out)).toMatchObject({ action: "issued", replaced: expect.stringMatching(/less than a third/) });
  });

  it("an RSA CA (the seed's) with the default key type: the pod key stays ECDSA and a note says so", async () => {
    const dir = path.join(work.dir, "rsa");
    expect((await runCli(["ca", "create", "--out", "ca", "--key-type", "rsa-2048"], { cwd: dir })).code).toBe(0);
    const r = await runCli(["pod-cert", "--role", "worker", "--pod-ip", "10.0.0.7", "--ca-dir", "ca", "--out", "tls"], { cwd: dir });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/\(ecdsa-p256 key\)/);
    expect(r.err).toMatch(/note: the pod key is ecdsa-p256 while the CA's key is rsa-2048; .*--key-type rsa-2048/);
    const chosen = await runCli(["pod-cert", "--role", "worker", "--pod-ip", "10.0.0.7", "--ca-dir", "ca", "--out", "tls2", "--key-type", "rsa-2048"], { cwd: dir });
    expect(chosen.err).toBe("");
  });
});

describe("judgeExistingPodCert (clock pinned)", () => {
  it("keeps until two thirds of the lifetime, then gives the reason; a head certificate never fits a worker", async () => {
    const pem = await createCa();
    const ca = loadCa(pem.certPem, pem.keyPem);
    const t0 = new Date("2030-01-01T00:00:00Z");
    const id = { role: "worker" as const, podIp: "10.0.0.7" };
    const made = issuePodCert({ ca, ...id, days: 30, now: t0, keyType: "ecdsa-p256" });
    const q = { existing: { certPem: made.certPem, keyPem: made.keyPem, caPem: pem.certPem }, caCertPem: pem.certPem, role: id.role, sans: podSans(id), keyType: "ecdsa-p256" as const };
    // notBefore is 5 minutes back for clock skew: the lifetime is 30 days + 5 min.
    const lifetime = 30 * 86_400_000 + 5 * 60_000;
    const renewAt = made.notAfter.getTime() - lifetime * RENEW_WHEN_LEFT;
    expect(judgeExistingPodCert({ ...q, now: new Date(renewAt - 1000) })).toMatchObject({ keep: true });
    expect(judgeExistingPodCert({ ...q, now: new Date(renewAt + 1000) })).toMatchObject({ keep: false, reason: expect.stringMatching(/less than a third/) });
    expect(judgeExistingPodCert({ ...q, now: new Date(made.notAfter.getTime() + 1000) })).toMatchObject({ keep: false, reason: expect.stringMatching(/expired/) });
    expect(judgeExistingPodCert({ ...q, now: t0, keyType: "rsa-2048" })).toMatchObject({ keep: false, reason: "tls.key is ECDSA P-256, this run asks for rsa-2048" });
    const other = await createCa();
    expect(judgeExistingPodCert({ ...q, now: t0, caCertPem: other.certPem })).toMatchObject({ keep: false, reason: "ca.crt is not this CA's certificate" });
    expect(judgeExistingPodCert({ ...q, now: t0, caCertPem: other.certPem, existing: { ...q.existing, caPem: other.certPem } })).toMatchObject({ keep: false, reason: "tls.crt was not issued by this CA" });
    const head = issuePodCert({ ca, role: "head", podIp: "10.0.0.7", headFqdn: "h.example", now: t0 });
    expect(judgeExistingPodCert({ ...q, now: t0, existing: { ...q.existing, certPem: head.certPem, keyPem: head.keyPem } })).toMatchObject({ keep: false, reason: "tls.crt is a head certificate, this pod is a worker" });
  });
});
