/** grpc-js servers bound through bindServer advertise large HTTP/2 windows and frames. */
import http2 from "node:http2";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { FLOW_CONTROL_WINDOW, bindServer } from "../../src/ray/bind-server.js";

describe("bindServer", () => {
  const server = new Server();
  afterAll(() => new Promise<void>((r) => server.tryShutdown(() => r())));

  it("advertises a 16 MiB stream window and 1 MiB frames to a real HTTP/2 client", async () => {
    const port = await bindServer(server, "127.0.0.1", 0, ServerCredentials.createInsecure());
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const settings = await new Promise<http2.Settings>((resolve, reject) => {
        session.on("error", reject);
        // The server's first SETTINGS frame carries Node's defaults; ours follow in a second one.
        session.on("remoteSettings", (s) => {
          if (s.initialWindowSize !== 65535) resolve(s);
        });
      });
      expect(settings.initialWindowSize).toBe(FLOW_CONTROL_WINDOW);
      expect(settings.maxFrameSize).toBe(1 << 20);
    } finally {
      session.close();
    }
  });

  it("names the address and the fix when the port is taken", async () => {
    const first = new Server();
    const port = await bindServer(first, "127.0.0.1", 0, ServerCredentials.createInsecure());
    const second = new Server();
    const err = await bindServer(second, "127.0.0.1", port, ServerCredentials.createInsecure()).catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain(`cannot listen on 127.0.0.1:${port}`);
    expect((err as { hint?: string }).hint).toMatch(/another process holds this port|check the address/);
    first.forceShutdown();
    second.forceShutdown();
  });
});
