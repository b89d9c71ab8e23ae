/** The signer's policy, pure: token -> role in constant time, names allowed per role and peer. */
import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/signer/backoff.js";
import { decideSans, normalizePeerIp, roleForAuthorization, signerTokens } from "../../src/signer/policy.js";

const tokens = signerTokens("head-token-0123456789", "worker-token-0123456789");
const policy = { headFqdn: "rc-head-svc.default.svc.cluster.local", headDns: ["rc-head-svc"] };
const dns = (value: string) => ({ type: "dns" as const, value });
const ip = (value: string) => ({ type: "ip" as const, value });

describe("roleForAuthorization", () => {
  it("maps each token to its role and anything else to none", () => {
    expect(roleForAuthorization(tokens, "Bearer head-token-0123456789")).toBe("head");
    expect(roleForAuthorization(tokens, "bearer worker-token-0123456789")).toBe("worker");
    expect(roleForAuthorization(tokens, "Bearer worker-token-012345678")).toBeUndefined();
    expect(roleForAuthorization(tokens, "Basic d29ya2VyLXRva2Vu")).toBeUndefined();
    expect(roleForAuthorization(tokens, "Bearer ")).toBeUndefined();
    expect(roleForAuthorization(tokens, undefined)).toBeUndefined();
  });
});

describe("decideSans", () => {
  it("a worker gets localhost, 127.0.0.1 and exactly its peer address, in policy order", () => {
    const d = decideSans({ role: "worker", peerIp: "::ffff:10.250.1.3", requested: [ip("10.250.1.3"), dns("LOCALHOST"), ip("127.0.0.1")], policy });
    expect(d).toEqual({ ok: true, sans: [dns("localhost"), ip("127.0.0.1"), ip("10.250.1.3")] });
  });
  it("a head may add the head FQDN and --head-dns names", () => {
    const d = decideSans({ role: "head", peerIp: "10.250.1.2", requested: [dns("localhost"), dns(policy.headFqdn), dns("rc-head-svc"), ip("127.0.0.1"), ip("10.250.1.2")], policy });
    expect(d.ok && d.sans.map((s) => s.value)).toEqual(["localhost", policy.headFqdn, "rc-head-svc", "127.0.0.1", "10.250.1.2"]);
  });
  it("refuses another pod's IP, the head FQDN for a worker, extra names, and a request without the pod's own IP", () => {
    const other = decideSans({ role: "worker", peerIp: "10.250.1.3", requested: [ip("10.250.1.4")], policy });
    expect(other).toMatchObject({ ok: false, reason: expect.stringMatching(/IP:10\.250\.1\.4.*only be 127\.0\.0\.1 and this pod's own address 10\.250\.1\.3/) });
    const fqdn = decideSans({ role: "worker", peerIp: "10.250.1.3", requested: [dns(policy.headFqdn), ip("10.250.1.3")], policy });
    expect(fqdn).toMatchObject({ ok: false, reason: expect.stringMatching(/DNS:rc-head-svc.*only be localhost for the worker role/) });
    const extra = decideSans({ role: "head", peerIp: "10.250.1.2", requested: [dns("evil.example.com"), ip("10.250.1.2")], policy });
    expect(extra.ok).toBe(false);
    const missing = decideSans({ role: "worker", peerIp: "10.250.1.3", requested: [dns("localhost"), ip("127.0.0.1")], policy });
    expect(missing).toMatchObject({ ok: false, reason: expect.stringMatching(/does not ask for this pod's own IP 10\.250\.1\.3/) });
  });
  it("normalizes IPv4-mapped peers only", () => {
    expect(normalizePeerIp("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(normalizePeerIp("fd00::5")).toBe("fd00::5");
  });
});

describe("backoffDelay (full jitter)", () => {
  it("stays within [0, min(cap, base*2^n))", () => {
    expect(backoffDelay(0, { random: () => 0.999 })).toBe(199);
    expect(backoffDelay(3, { random: () => 0.5 })).toBe(800);
    expect(backoffDelay(20, { random: () => 0.999 })).toBe(4995);
    expect(backoffDelay(5, { random: () => 0 })).toBe(0);
  });
});
