/**
 * Issue 13: "raytls health-check can be crashed by the server it probes". Node 20.20's legacy
 * peer-certificate object (X509ToObject -> GetKeyUsage) segfaults on an extKeyUsage holding an OID
 * of 600+ bytes, and Node's tls client builds that object itself (onConnectSecure calls
 * getPeerCertificate(true) before checkServerIdentity). raytls's clients replace that method on
 * their sockets (src/ray/peer-identity.ts guardPeerCertificate) and read the raw DER with the
 * strict reader, which refuses the OID with the field named.
 *
 * The CLI runs as a child process (the bundled binary): a segfault must show as a signal there,
 * not take the test runner down.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCertificatePem } from "../../src/pki/certificate-reader.js";
import { BIN, runNode } from "../helpers/cli.js";
import { opensslCa, opensslLeaf } from "../helpers/openssl.js";
import { useTempDir } from "../helpers/temp-dir.js";

/** An OID of ~630 content bytes: 1.3.6.1.4.1.99999 followed by 620 arcs of 1. */
const LONG_OID = `1.3.6.1.4.1.99999${".1".repeat(620)}`;

describe("a server presenting a certificate with a 600+ byte EKU OID", () => {
  const tmp = useTempDir("raytls-hostile-");
  let server: Server;
  let port = 0;
  let ca: { cert: string; key: string };
  let client: { cert: string; key: string };
  let hostile: { cert: string; key: string };

  beforeAll(async () => {
    ca = opensslCa(tmp.dir, "hostile-ca");
    client = opensslLeaf(tmp.dir, "client", ca, { san: "DNS:client.example" });
    // Signed by the CA the client trusts: OpenSSL's verification passes, so Node would go on to
    // build the legacy certificate object.
    hostile = opensslLeaf(tmp.dir, "hostile", ca, { san: "IP:127.0.0.1,DNS:localhost", eku: `serverAuth,clientAuth,${LONG_OID}` });
    server = createServer({ cert: readFileSync(hostile.cert), key: readFileSync(hostile.key) }, (s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it("the strict reader refuses it, naming the field", () => {
    expect(() => readCertificatePem(readFileSync(hostile.cert, "utf8"), "hostile.crt")).toThrow(/hostile\.crt:1: certificate\.tbsCertificate\.extensions\[\d\]\(extKeyUsage\)\[2\]: OBJECT IDENTIFIER of \d{3} bytes is longer than the 64 accepted/);
  });

  // Why the guard exists: plain Node crashes on this server (pinned so a Node that fixes it shows up here).
  it("Node's getPeerCertificate() segfaults on it (the bug raytls works around; the old probe called it)", async () => {
    const script = `const t=require("tls");const c=t.connect({host:"127.0.0.1",port:${port},rejectUnauthorized:false},()=>{c.getPeerCertificate(true);c.destroy();});c.on("error",()=>{});`;
    const r = await runNode(["-e", script]);
    expect(r.signal, JSON.stringify(r)).toBe("SIGSEGV");
  });

  // Needs the bundle (`node scripts/build.mjs`, which `npm test` runs first).
  it.skipIf(!existsSync(new URL("../../dist/cli/main.js", import.meta.url)) && !process.env.CI)("raytls health-check does not crash: it fails (exit 1) and says why", async () => {
    const r = await runNode([BIN, "health-check", "--address", `127.0.0.1:${port}`, "--ca", ca.cert, "--cert", client.cert, "--key", client.key, "--timeout", "5"]);
    expect(r.signal, r.err).toBeNull();
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out + r.err).toMatch(/OBJECT IDENTIFIER of \d{3} bytes is longer than the 64 accepted/);
  });
});
