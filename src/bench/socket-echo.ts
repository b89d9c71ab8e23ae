/**
 * The `grpc` benchmark's floor: the same echo over a bare Node socket, TLS (the same certificates,
 * client certificate required) or plain TCP, with no HTTP/2 and no gRPC. Whatever mTLS/plaintext
 * ratio this reaches is the most any gRPC stack on Node's TLS can reach here; the grpc report
 * prints it beside raytls's. Store-and-forward like a unary call: the server reads the whole
 * message (4-byte length, then the bytes), then writes it back.
 *
 * The server runs in its own process (`raytls bench --serve-socket-echo tls|plain`, hidden),
 * prints {"port":N} and serves until SIGTERM.
 */
import { readFileSync } from "node:fs";
import { connect as netConnect, createServer as netServer, type Socket } from "node:net";
import { connect as tlsConnect, createServer as tlsServer } from "node:tls";
import type { ClientTls } from "../ray/client-tls.js";
import { percentile, sortNumbers } from "./grpc-stats.js";
import { benchInvalidError, benchPeerError } from "./scenario.js";

const MiB = 1024 * 1024;

function serveConnection(socket: Socket): void {
  const parts: Buffer[] = [];
  let got = 0;
  let need = -1;
  socket.on("data", (d: Buffer) => {
    parts.push(d);
    got += d.length;
    if (need < 0 && got >= 4) need = 4 + Buffer.concat(parts).readUInt32BE(0);
    if (need >= 0 && got >= need) {
      const all = Buffer.concat(parts);
      socket.write(all.subarray(4, need));
      parts.length = 0;
      got = all.length - need;
      if (got) parts.push(all.subarray(need));
      need = -1;
    }
  });
  socket.on("error", () => socket.destroy());
}

/** Runs the echo server from Ray's TLS environment (RAY_USE_TLS=1 and the three files) or plain. */
export function serveSocketEcho(mode: "tls" | "plain", env: NodeJS.ProcessEnv): void {
  const server =
    mode === "tls"
      ? tlsServer(
          { cert: readFileSync(env.RAY_TLS_SERVER_CERT!), key: readFileSync(env.RAY_TLS_SERVER_KEY!), ca: readFileSync(env.RAY_TLS_CA_CERT!), requestCert: true, rejectUnauthorized: true },
          serveConnection,
        )
      : netServer(serveConnection);
  server.listen(0, "127.0.0.1", () => process.stdout.write(JSON.stringify({ port: (server.address() as { port: number }).port }) + "\n"));
  process.once("SIGTERM", () => server.close(() => process.exit(0)));
}

/** Sequential echoes of `bytes` over one connection: p50 latency and MiB/s, as the gRPC rows. */
export async function socketEchoRun(port: number, tls: ClientTls | null, bytes: number, calls: number): Promise<{ p50: number; mibps: number }> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s: Socket = tls
      ? tlsConnect({ host: "127.0.0.1", port, cert: tls.cert, key: tls.key, ca: tls.ca }, () => resolve(s))
      : netConnect({ host: "127.0.0.1", port }, () => resolve(s));
    s.once("error", reject);
  });
  const message = Buffer.alloc(4 + bytes, 7);
  message.writeUInt32BE(bytes, 0);
  const echo = () =>
    new Promise<void>((resolve, reject) => {
      let got = 0;
      const onData = (d: Buffer) => {
        got += d.length;
        if (got < bytes) return;
        socket.off("data", onData);
        socket.off("close", onClose);
        if (got > bytes) reject(benchInvalidError(`echo returned ${got} bytes, sent ${bytes}`));
        else resolve();
      };
      const onClose = () => reject(benchPeerError("echo server closed the connection"));
      socket.on("data", onData);
      socket.once("close", onClose);
      socket.write(message);
    });
  try {
    for (let i = 0; i < Math.min(3, calls); i++) await echo();
    const lat: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await echo();
      lat.push(performance.now() - t);
    }
    const s = (performance.now() - t0) / 1000;
    return { p50: percentile(sortNumbers(lat), 50), mibps: (bytes * calls) / MiB / s };
  } finally {
    socket.destroy();
  }
}
