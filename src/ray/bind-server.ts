/** Binding a grpc-js server, with bind failures as RaytlsErrors that say which address. */
import type { Http2Session } from "node:http2";
import type { Server, ServerCredentials } from "@grpc/grpc-js";
import { RaytlsError } from "../errors.js";
import { FLOW_CONTROL_WINDOW, MAX_FRAME_SIZE } from "./flow-control.js";

export { FLOW_CONTROL_WINDOW };

export function bindServer(server: Server, host: string, port: number, creds: ServerCredentials): Promise<number> {
  const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, creds, (err, bound) => {
      if (err) {
        reject(
          new RaytlsError("bind-failed", `cannot listen on ${address}: ${err.message}`, {
            hint: /in use/i.test(err.message) ? "another process holds this port; pick another with --port" : "check the address is one of this machine's (or this namespace's)",
            cause: err,
            kind: "check",
          }),
        );
        return;
      }
      widenFlowControl(server);
      resolve(bound);
    });
  });
}


/**
 * Gives every HTTP/2 session of a grpc-js server large receive windows. grpc-js has a client option
 * for this (`grpc-node.flow_control_window`) but none for servers, which keep Node's 64 KiB: each
 * large request then stalls on WINDOW_UPDATE round trips, and TLS makes each round trip dearer
 * (the grpc benchmark's 16 MiB row). gRPC C-core, which Ray uses, sizes its windows by BDP
 * probing instead. This reaches grpc-js's `http2Servers` map (1.14, pinned by the lock file); if
 * that ever changes, the server keeps working with the default windows.
 */
function widenFlowControl(server: Server): void {
  const internals = (server as unknown as { http2Servers?: Map<{ on(ev: "session", fn: (s: Http2Session) => void): void }, unknown> }).http2Servers;
  if (!(internals instanceof Map)) return;
  for (const h2 of internals.keys()) {
    h2.on("session", (session) => {
      try {
        session.setLocalWindowSize(FLOW_CONTROL_WINDOW);
        session.settings({ initialWindowSize: FLOW_CONTROL_WINDOW, maxFrameSize: MAX_FRAME_SIZE });
      } catch {
        // A session that is already closing: nothing to widen.
      }
    });
  }
}
