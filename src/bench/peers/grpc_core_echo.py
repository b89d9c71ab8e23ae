#!/usr/bin/python3
"""Ray's own gRPC stack (C-core, through Debian's python3-grpcio) as a reference for `raytls bench grpc`.

The same unary echo as raytls's head (`/raytls.bench.v1.Echo/Echo`, field 1 = bytes), the same
sizes and call counts, mutual TLS or plaintext, so the bench can report C-core's mTLS/plaintext
ratio beside raytls's, measured in the same run.

  server --listen HOST:PORT (--cert F --key F --ca F | --plaintext)
         prints {"port": N} once, serves until SIGTERM, exits 0.
  client --target HOST:PORT (--cert F --key F --ca F --name-override NAME | --plaintext)
         --size BYTES:CALLS [--size ...]
         prints [{"bytes": B, "p50_ms": X, "mibps": Y}, ...] (3 warm-up calls per size first).

The server returns the request bytes unchanged: EchoMessage in and out have the same layout, so
that is the encoded reply. No generated code; only the standard library and grpc.
"""

import argparse
import json
import os
import signal
import statistics
import sys
import time

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
import grpc  # noqa: E402

METHOD = "/raytls.bench.v1.Echo/Echo"
UNLIMITED = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


def echo_message(size):
    return b"\x0a" + _varint(size) + b"\x07" * size


def run_server(a):
    from concurrent import futures

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=UNLIMITED)
    handler = grpc.unary_unary_rpc_method_handler(lambda request, _context: request)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("raytls.bench.v1.Echo", {"Echo": handler}),))
    if a.plaintext:
        port = server.add_insecure_port(a.listen)
    else:
        creds = grpc.ssl_server_credentials([(_read(a.key), _read(a.cert))], root_certificates=_read(a.ca), require_client_auth=True)
        port = server.add_secure_port(a.listen, creds)
    if not port:
        print(json.dumps({"error": f"cannot listen on {a.listen}"}), flush=True)
        return 1
    server.start()
    print(json.dumps({"port": port}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
    server.wait_for_termination()
    return 0


def run_client(a):
    if a.plaintext:
        channel = grpc.insecure_channel(a.target, options=UNLIMITED)
    else:
        creds = grpc.ssl_channel_credentials(_read(a.ca), _read(a.key), _read(a.cert))
        channel = grpc.secure_channel(a.target, creds, options=UNLIMITED + [("grpc.ssl_target_name_override", a.name_override)])
    call = channel.unary_unary(METHOD)
    rows = []
    for spec in a.size:
        size, calls = (int(x) for x in spec.split(":"))
        message = echo_message(size)
        for _ in range(min(3, calls)):
            call(message, timeout=60)
        latencies = []
        t0 = time.perf_counter()
        for _ in range(calls):
            t = time.perf_counter()
            reply = call(message, timeout=60)
            latencies.append((time.perf_counter() - t) * 1000)
            if len(reply) != len(message):
                raise SystemExit(f"echo returned {len(reply)} bytes, sent {len(message)}")
        seconds = time.perf_counter() - t0
        rows.append({"bytes": size, "p50_ms": statistics.median(latencies), "mibps": size * calls / (1 << 20) / seconds})
    channel.close()
    print(json.dumps(rows), flush=True)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="mode", required=True)
    for name, where in (("server", "--listen"), ("client", "--target")):
        s = sub.add_parser(name)
        s.add_argument(where, required=True)
        s.add_argument("--plaintext", action="store_true")
        s.add_argument("--cert")
        s.add_argument("--key")
        s.add_argument("--ca")
        if name == "client":
            s.add_argument("--name-override", default="localhost")
            s.add_argument("--size", action="append", required=True)
    a = p.parse_args()
    if not a.plaintext and not (a.cert and a.key and a.ca):
        p.error("give --cert, --key and --ca, or --plaintext")
    return run_server(a) if a.mode == "server" else run_client(a)


if __name__ == "__main__":
    sys.exit(main())
