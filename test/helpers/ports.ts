/**
 * Ports for tests come from the kernel, never from a guess (a random or pid-derived port collides
 * with whatever else runs on the machine). Where the code under test can listen on port 0 and
 * report the port, tests do that; `freePort` is for the few places that must name a port before
 * anything listens on it (a client started before its server; a lab, whose head port is written
 * into every pod's environment before the head starts).
 */
import { createServer } from "node:net";

/** A port the kernel just handed out on `host` and that is free again when this resolves. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
