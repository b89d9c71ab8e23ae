/**
 * Issue 13: 50 pipelined requests in one write issued and audited 28 certificates and delivered
 * one response (Node's HPE_PAUSED met a clientError handler that destroyed the socket). Every
 * issued certificate must be both audited and delivered, or neither.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readUntilClose, responseStatuses, signRequestText, startTestSigner, tlsConnect, type SignerFixture } from "./signer-fixture.js";

let f: SignerFixture;
beforeAll(async () => {
  f = await startTestSigner();
});
afterAll(async () => {
  await f?.signer.close();
});

describe("pipelined requests (issue 13)", () => {
  it("50 requests in one write: every audited issue is a delivered response, and the answers say what happened", async () => {
    const one = await signRequestText("127.0.0.1");
    const s = await tlsConnect(f);
    const reading = readUntilClose(s, 10_000);
    s.write(one.repeat(50));
    const { text, closed } = await reading;
    s.destroy();
    // No event says "no more audit lines": a late one (a certificate issued but never delivered,
    // the bug) gets 200 ms to land before the comparison.
    await new Promise((r) => setTimeout(r, 200));
    const delivered = [...text.matchAll(/"serial":"([0-9a-f]+)"/g)].map((m) => m[1]!);
    const audited = f.audit.records.filter((r) => r.decision === "issued").map((r) => r.serial!);
    const statuses = responseStatuses(text);
    console.log(`pipelining: ${statuses.length} responses (${statuses.join(",")}), ${delivered.length} certificates delivered, ${audited.length} audited as issued; closed by the server: ${closed}`);
    expect(statuses.length).toBeGreaterThanOrEqual(1);
    expect(statuses[0]).toBe(200);
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(audited.sort()).toEqual(delivered.sort());
    expect(closed).toBe(true);
    // One request per connection, said in the answer (RFC 9112 section 9.6).
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
  });
});
