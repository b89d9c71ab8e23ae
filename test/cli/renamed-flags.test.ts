/**
 * Issue 11: one meaning per flag name across verbs. The CA certificate is --ca-cert everywhere,
 * csr sign's output file is --cert-out (--out is a directory elsewhere), the signer's own name is
 * --serving-dns (--dns is a pod SAN elsewhere), node's listen address is --bind (--host is a name
 * to check in verify). The old spellings still work, hidden from --help, with a one-line note.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { useTempDir } from "../helpers/temp-dir.js";

const t = useTempDir("raytls-flags-");

describe("renamed flags", () => {
  it("verify --ca still works with a deprecation note on stderr, and gives what --ca-cert gives", async () => {
    expect((await runCli(["ca", "create", "--out", "ca"], { cwd: t.dir })).code).toBe(0);
    expect((await runCli(["pod-cert", "--role", "worker", "--pod-ip", "10.0.0.7", "--ca-dir", "ca", "--out", "tls"], { cwd: t.dir })).code).toBe(0);
    const now = await runCli(["verify", "--ca-cert", "ca/ca.crt", "--cert", "tls/tls.crt", "--host", "10.0.0.7"], { cwd: t.dir });
    const old = await runCli(["verify", "--ca", "ca/ca.crt", "--cert", "tls/tls.crt", "--host", "10.0.0.7"], { cwd: t.dir });
    expect(now.code, now.out).toBe(0);
    expect(now.err).toBe("");
    expect([old.code, old.out]).toEqual([now.code, now.out]);
    expect(old.err).toBe("note: --ca is deprecated in `raytls verify`; use --ca-cert\n");
  });

  it("csr sign --out still writes the certificate file, with a note; help shows only the new names", async () => {
    expect((await runCli(["csr", "create", "--role", "worker", "--pod-ip", "10.0.0.8", "--key-out", "w.key", "--csr-out", "w.csr"], { cwd: t.dir })).code).toBe(0);
    const old = await runCli(["csr", "sign", "--csr", "w.csr", "--ca-dir", "ca", "--out", "w.crt"], { cwd: t.dir });
    expect(old.code, old.err).toBe(0);
    expect(old.err).toMatch(/^note: --out is deprecated in `raytls csr sign`; use --cert-out\n/);
    expect(old.out).toMatch(/w\.crt {2}certificate/);
    for (const [verb, now, was] of [[["verify"], "--ca-cert", "--ca <"], [["health-check"], "--ca-cert", "--ca <"], [["csr", "sign"], "--cert-out", "--out <"], [["signer", "serve"], "--serving-dns", "--dns <"], [["node"], "--bind", "--host <"]] as const) {
      const help = await runCli([...verb, "--help"]);
      expect(help.out, verb.join(" ")).toContain(now);
      expect(help.out, verb.join(" ")).not.toContain(was);
    }
  });
});
