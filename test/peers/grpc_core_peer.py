#!/usr/bin/python3
"""A real gRPC C-core peer (python3-grpcio) that speaks enough of Ray's GCS API for tests.

Modes (JSON on stdout):
  server  --listen HOST:PORT (--cert F --key F --ca F | --plaintext) [--ray-version V]
          [--cluster-id HEX] [--record FILE]
          prints {"event":"listening","port":N} once, serves until SIGTERM/SIGINT, exits 0.
  client  --target HOST:PORT (--cert F --key F --ca F | --ca F | --plaintext)
          [--name-override NAME] [--method check-alive|get-cluster-id|kv-get|health]
          [--timeout S] [--metadata k=v]... [--node-id HEX]... [--kv-key K] [--kv-namespace NS]
          prints {"ok":true,"method":M,"reply":{...}} or
                 {"ok":false,"method":M,"code":"UNAVAILABLE","details":...,"debug_error_string":...}
          and exits 0 either way (2 = bad usage).

No generated protobuf code: the handful of messages are hand-encoded (proto3 wire format).
Only the standard library and grpc are used.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time

# Keep C-core's log noise down (it goes to stderr anyway). Must be set before grpc is imported.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

# ---------------------------------------------------------------------------------------------
# Minimal protobuf wire format
# ---------------------------------------------------------------------------------------------


def _varint(n):
    if n < 0:
        n &= (1 << 64) - 1  # negative int32/int64 are encoded as 10-byte two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field, wire_type):
    return _varint((field << 3) | wire_type)


def f_varint(field, value):
    """A varint field; proto3 omits default (zero) values."""
    if not value:
        return b""
    return _key(field, 0) + _varint(int(value))


def f_bytes(field, value, always=False):
    if isinstance(value, str):
        value = value.encode("utf-8")
    if not value and not always:
        return b""
    return _key(field, 2) + _varint(len(value)) + value


def f_packed_bools(field, values):
    if not values:
        return b""
    payload = b"".join(_varint(1 if v else 0) for v in values)
    return _key(field, 2) + _varint(len(payload)) + payload


def _read_varint(buf, pos):
    shift = 0
    result = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def parse_fields(buf):
    """Returns a list of (field_number, wire_type, value); value is int for varint/fixed, bytes for
    length-delimited."""
    out = []
    pos = 0
    buf = bytes(buf or b"")
    while pos < len(buf):
        k, pos = _read_varint(buf, pos)
        field, wt = k >> 3, k & 7
        if wt == 0:
            v, pos = _read_varint(buf, pos)
        elif wt == 1:
            v = int.from_bytes(buf[pos:pos + 8], "little")
            pos += 8
        elif wt == 2:
            n, pos = _read_varint(buf, pos)
            v = buf[pos:pos + n]
            if len(v) != n:
                raise ValueError("truncated length-delimited field")
            pos += n
        elif wt == 5:
            v = int.from_bytes(buf[pos:pos + 4], "little")
            pos += 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        out.append((field, wt, v))
    return out


def _int32(v):
    v &= (1 << 64) - 1
    if v >= 1 << 63:
        v -= 1 << 64
    return v


def first(fields, number, default=None):
    for f, _wt, v in fields:
        if f == number:
            return v
    return default


def all_of(fields, number):
    return [v for f, _wt, v in fields if f == number]


def enc_status(code=0, message=""):
    return f_varint(1, code) + f_bytes(2, message)


def dec_status(buf):
    fs = parse_fields(buf or b"")
    msg = first(fs, 2, b"")
    return {"code": _int32(first(fs, 1, 0)), "message": bytes(msg).decode("utf-8", "replace")}


def dec_repeated_bool(fields, number):
    vals = []
    for f, wt, v in fields:
        if f != number:
            continue
        if wt == 2:  # packed
            pos = 0
            while pos < len(v):
                x, pos = _read_varint(v, pos)
                vals.append(bool(x))
        else:
            vals.append(bool(v))
    return vals


# ---------------------------------------------------------------------------------------------
# Method names
# ---------------------------------------------------------------------------------------------

NODE_INFO = "ray.rpc.NodeInfoGcsService"
INTERNAL_KV = "ray.rpc.InternalKVGcsService"
HEALTH = "grpc.health.v1.Health"

METHODS = {
    "get-cluster-id": "/%s/GetClusterId" % NODE_INFO,
    "check-alive": "/%s/CheckAlive" % NODE_INFO,
    "kv-get": "/%s/InternalKVGet" % INTERNAL_KV,
    "health": "/%s/Check" % HEALTH,
}

_identity = lambda b: b  # noqa: E731


def _dump(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _read(path):
    with open(path, "rb") as fh:
        return fh.read()


# ---------------------------------------------------------------------------------------------
# Server
# ---------------------------------------------------------------------------------------------


class Recorder:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def write(self, obj):
        if not self.path:
            return
        obj.setdefault("time", time.time())
        line = json.dumps(obj) + "\n"
        with self.lock:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()


# Substrings of C-core log lines that describe a failed handshake on the server.
_HANDSHAKE_MARKERS = (
    "Handshake failed",
    "handshake failed",
    "No match found for server name",
    "Security handshake failed",
    "certificate verify failed",
    "peer did not return a certificate",
)


def _capture_stderr(recorder):
    """Redirect fd 2 through a pipe so C-core's log lines about handshake failures can be recorded.
    Everything is forwarded to the original stderr unchanged."""
    try:
        original = os.dup(2)
        r, w = os.pipe()
        os.dup2(w, 2)
        os.close(w)
    except OSError:
        return

    def pump():
        buf = b""
        while True:
            try:
                chunk = os.read(r, 65536)
            except OSError:
                return
            if not chunk:
                return
            try:
                os.write(original, chunk)
            except OSError:
                pass
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode("utf-8", "replace")
                if any(m in text for m in _HANDSHAKE_MARKERS):
                    # "E1128 04:25:23.03 4109 ssl_transport_security.cc:1501]   <reason>"
                    reason = text.split("]", 1)[1].strip() if "]" in text else text
                    try:
                        recorder.write({"event": "handshake-failure", "reason": reason,
                                        "log": text})
                    except Exception:  # never let the pump die: C-core would block on stderr
                        pass

    t = threading.Thread(target=pump, name="stderr-pump", daemon=True)
    t.start()


def _metadata_dict(context):
    md = {}
    for item in context.invocation_metadata() or ():
        k, v = item.key, item.value
        if isinstance(v, bytes):
            v = v.hex() if k.endswith("-bin") else v.decode("utf-8", "replace")
        if k in md:
            if not isinstance(md[k], list):
                md[k] = [md[k]]
            md[k].append(v)
        else:
            md[k] = v
    return md


def _auth_dict(context):
    out = {}
    try:
        ac = context.auth_context() or {}
        for k, vals in ac.items():
            if k in ("x509_pem_cert", "x509_pem_cert_chain"):
                continue  # bulky; the subject and SANs below identify the peer
            out[k] = [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in vals]
    except Exception:
        pass
    return out


def run_server(args):
    recorder = Recorder(args.record)
    if args.record:
        _capture_stderr(recorder)

    import grpc  # noqa: E402  (after GRPC_VERBOSITY and the stderr redirect)
    from concurrent import futures

    cluster_id = bytes.fromhex(args.cluster_id) if args.cluster_id else os.urandom(28)
    ray_version = args.ray_version

    def record(method, request, context, extra=None):
        entry = {
            "event": "call",
            "method": method,
            "metadata": _metadata_dict(context),
            "peer": context.peer(),
            "auth": _auth_dict(context),
            "request_hex": bytes(request or b"").hex(),
        }
        if extra:
            entry.update(extra)
        recorder.write(entry)

    def get_cluster_id(request, context):
        record(METHODS["get-cluster-id"], request, context)
        return f_bytes(1, enc_status(0), always=True) + f_bytes(2, cluster_id)

    def check_alive(request, context):
        node_ids = [bytes(v).hex() for v in all_of(parse_fields(request), 1)]
        record(METHODS["check-alive"], request, context, {"node_ids": node_ids})
        return (f_bytes(1, enc_status(0), always=True) + f_bytes(2, ray_version)
                + f_packed_bools(3, [True] * len(node_ids)))

    def kv_get(request, context):
        fs = parse_fields(request)
        key = bytes(first(fs, 1, b""))
        ns = bytes(first(fs, 2, b""))
        record(METHODS["kv-get"], request, context,
               {"key": key.decode("utf-8", "replace"), "namespace": ns.decode("utf-8", "replace")})
        if key == b"CLUSTER_METADATA" and ns == b"cluster":
            value = json.dumps({"ray_version": ray_version, "python_version": "3.11.2"})
            return f_bytes(1, enc_status(0), always=True) + f_bytes(2, value)
        return f_bytes(1, enc_status(17, "Failed to find the key"), always=True)

    def health_check(request, context):
        fs = parse_fields(request)
        svc = bytes(first(fs, 1, b"")).decode("utf-8", "replace")
        record(METHODS["health"], request, context, {"service": svc})
        return f_varint(1, 1)  # SERVING

    def h(fn):
        return grpc.unary_unary_rpc_method_handler(
            fn, request_deserializer=_identity, response_serializer=_identity)

    handlers = [
        grpc.method_handlers_generic_handler(NODE_INFO, {
            "GetClusterId": h(get_cluster_id),
            "CheckAlive": h(check_alive),
        }),
        grpc.method_handlers_generic_handler(INTERNAL_KV, {"InternalKVGet": h(kv_get)}),
        grpc.method_handlers_generic_handler(HEALTH, {"Check": h(health_check)}),
    ]

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                         options=[("grpc.so_reuseport", 0)])
    server.add_generic_rpc_handlers(handlers)
    try:
        if args.plaintext:
            port = server.add_insecure_port(args.listen)
        else:
            creds = grpc.ssl_server_credentials(
                [(_read(args.key), _read(args.cert))],
                root_certificates=_read(args.ca),
                require_client_auth=True,
            )
            port = server.add_secure_port(args.listen, creds)
    except Exception as e:  # grpc >= 1.5x raises RuntimeError when binding fails
        _dump({"event": "error", "error": "bind failed: %s" % e})
        return 1
    if not port:
        _dump({"event": "error", "error": "bind failed for %s" % args.listen})
        return 1

    stop = threading.Event()

    def on_signal(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    server.start()
    _dump({"event": "listening", "port": port})
    while not stop.is_set():
        stop.wait(0.5)
    server.stop(0).wait(5)
    return 0


# ---------------------------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------------------------


def _request_for(args):
    if args.method == "check-alive":
        return b"".join(f_bytes(1, bytes.fromhex(n), always=True) for n in args.node_id)
    if args.method == "kv-get":
        return f_bytes(1, args.kv_key) + f_bytes(2, args.kv_namespace)
    if args.method == "health":
        return f_bytes(1, args.service)
    return b""


def _decode_reply(method, raw):
    fs = parse_fields(raw)
    if method == "get-cluster-id":
        return {"status": dec_status(first(fs, 1, b"")),
                "cluster_id": bytes(first(fs, 2, b"")).hex()}
    if method == "check-alive":
        return {"status": dec_status(first(fs, 1, b"")),
                "ray_version": bytes(first(fs, 2, b"")).decode("utf-8", "replace"),
                "raylet_alive": dec_repeated_bool(fs, 3)}
    if method == "kv-get":
        return {"status": dec_status(first(fs, 1, b"")),
                "value": bytes(first(fs, 2, b"")).decode("utf-8", "replace")}
    if method == "health":
        code = first(fs, 1, 0)
        names = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}
        return {"status": names.get(code, str(code)), "status_code": code}
    return {"raw_hex": bytes(raw).hex()}


def run_client(args):
    import grpc  # noqa: E402

    metadata = []
    for item in args.metadata:
        if "=" not in item:
            sys.stderr.write("bad --metadata %r (want k=v)\n" % item)
            return 2
        k, v = item.split("=", 1)
        metadata.append((k.lower(), v))

    options = [("grpc.enable_http_proxy", 0)]  # tests talk to local peers only
    if args.name_override:
        options.append(("grpc.ssl_target_name_override", args.name_override))
    if args.plaintext:
        channel = grpc.insecure_channel(args.target, options=options)
    else:
        if args.cert and args.key:
            creds = grpc.ssl_channel_credentials(
                root_certificates=_read(args.ca),
                private_key=_read(args.key),
                certificate_chain=_read(args.cert),
            )
        else:
            creds = grpc.ssl_channel_credentials(root_certificates=_read(args.ca))
        channel = grpc.secure_channel(args.target, creds, options=options)

    path = METHODS[args.method]
    call = channel.unary_unary(path, request_serializer=_identity,
                               response_deserializer=_identity)
    try:
        raw = call(_request_for(args), timeout=args.timeout, metadata=metadata or None,
                   wait_for_ready=args.wait_for_ready or None)
        _dump({"ok": True, "method": args.method, "reply": _decode_reply(args.method, raw)})
    except grpc.RpcError as e:
        code = e.code() if hasattr(e, "code") else None
        out = {
            "ok": False,
            "method": args.method,
            "code": code.name if code is not None else "UNKNOWN",
            "details": e.details() if hasattr(e, "details") else str(e),
        }
        if hasattr(e, "debug_error_string"):
            try:
                out["debug_error_string"] = e.debug_error_string()
            except Exception:
                pass
        _dump(out)
    finally:
        channel.close()
    return 0


# ---------------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write("%s: error: %s\n" % (self.prog, message))
        sys.exit(2)


def main(argv=None):
    p = _Parser(prog="grpc_core_peer.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="mode")
    sub.required = True

    s = sub.add_parser("server")
    s.add_argument("--listen", default="127.0.0.1:0")
    s.add_argument("--cert")
    s.add_argument("--key")
    s.add_argument("--ca")
    s.add_argument("--plaintext", action="store_true")
    s.add_argument("--ray-version", default="2.52.0")
    s.add_argument("--cluster-id")
    s.add_argument("--record")

    c = sub.add_parser("client")
    c.add_argument("--target", required=True)
    c.add_argument("--cert")
    c.add_argument("--key")
    c.add_argument("--ca")
    c.add_argument("--plaintext", action="store_true")
    c.add_argument("--name-override")
    c.add_argument("--method", choices=sorted(METHODS), default="get-cluster-id")
    c.add_argument("--timeout", type=float, default=5.0)
    c.add_argument("--metadata", action="append", default=[])
    c.add_argument("--node-id", action="append", default=[], help="hex; for check-alive")
    c.add_argument("--kv-key", default="CLUSTER_METADATA")
    c.add_argument("--kv-namespace", default="cluster")
    c.add_argument("--service", default="", help="for health")
    c.add_argument("--wait-for-ready", action="store_true",
                   help="queue the call until the channel is ready (or the timeout passes)")

    args = p.parse_args(argv)

    if args.mode == "server":
        if args.plaintext:
            if args.cert or args.key or args.ca:
                p.error("--plaintext excludes --cert/--key/--ca")
        elif not (args.cert and args.key and args.ca):
            p.error("server needs --cert, --key and --ca (or --plaintext)")
        if args.cluster_id:
            try:
                bytes.fromhex(args.cluster_id)
            except ValueError:
                p.error("--cluster-id must be hex")
        return run_server(args)

    if args.plaintext:
        if args.cert or args.key or args.ca:
            p.error("--plaintext excludes --cert/--key/--ca")
    else:
        if not args.ca:
            p.error("client needs --ca (with --cert and --key for mTLS) or --plaintext")
        if bool(args.cert) != bool(args.key):
            p.error("--cert and --key go together")
    for n in args.node_id:
        try:
            bytes.fromhex(n)
        except ValueError:
            p.error("--node-id must be hex")
    return run_client(args)


if __name__ == "__main__":
    sys.exit(main())
