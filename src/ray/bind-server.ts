/** Binding a grpc-js server, with bind failures as RaytlsErrors that say which address. */
import type { Server, ServerCredentials } from "@grpc/grpc-js";
import { RaytlsError } from "../errors.js";

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
      resolve(bound);
    });
  });
}
