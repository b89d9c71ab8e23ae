/**
 * A pod that asks many times at once (bundled by signer-netns.test.ts, run inside a pod's namespace):
 * `node burst.mjs URL TOKEN_FILE CA_CERT POD_IP COUNT RETRY_SECONDS` prints one JSON line
 * {ok, serials, failures}. Each request makes its own key and CSR and its own TLS connection.
 */
import { readFileSync } from "node:fs";
import { createCsr } from "../../src/pki/csr.js";
import { requestCertificate } from "../../src/signer/client.js";

const [url, tokenFile, caFile, podIp, count, retry] = process.argv.slice(2) as [string, string, string, string, string, string];
const token = readFileSync(tokenFile, "utf8").trim();
const caCertPem = readFileSync(caFile, "utf8");
const results = await Promise.allSettled(
  Array.from({ length: Number(count) }, async () => {
    const csr = await createCsr({ role: "worker", podIp });
    const res = await requestCertificate({ url, token, caCertPem, role: "worker", csrPem: csr.csrPem, retrySeconds: Number(retry) });
    return { serial: res.serial, sans: res.sans };
  }),
);
const ok = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
const failures = results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as Error).message)] : []));
process.stdout.write(JSON.stringify({ ok: failures.length === 0, serials: ok.map((r) => r.serial), sans: [...new Set(ok.map((r) => r.sans.join(",")))], failures }) + "\n");
