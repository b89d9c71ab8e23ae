"""The workload of `raytls bench ray`, run as a Ray driver inside a worker pod.

Prints one JSON line of timings. The other node (the head) runs the work: tasks and the actor are
pinned to it with node affinity, and objects are made there and read here, so every figure
crosses the network between the two pods (and TLS, when it is on).

  python ray-bench-driver.py work [--sizes 1,16,64,256] [--tasks 1000] [--calls 1000]
                                  [--call-blocks 3] [--sync 1] [--profile-size 256]
  python ray-bench-driver.py connect     # a new driver: ray.init + first task, timed inside

Timings are wall clock (time.perf_counter) in ms; objects in MiB/s.

With --sync 1 the driver stops before and after each timed piece of work, printing
"MARK <name> begin|end" and reading one line from stdin before it goes on: the bench samples the
pods' CPU (and starts or stops perf) there. --profile-size N moves one more object of N MiB after
the timed ones, under the marks "profile-<N>MiB", untimed (perf attached slows it).
"""
import json
import os
import sys
import time

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

MiB = 1024 * 1024


def other_node():
    """The alive node that is not this driver's node (the head, seen from a worker pod)."""
    here = ray.get_runtime_context().get_node_id()
    others = [n["NodeID"] for n in ray.nodes() if n["Alive"] and n["NodeID"] != here]
    if not others:
        raise SystemExit("no other alive node: the bench needs a head and a worker pod")
    return others[0]


# One CPU, as a default task: the head's one worker process runs them all, so the row times Ray's
# RPCs (lease, push, reply) rather than worker processes starting (0-CPU tasks spawn more workers).
@ray.remote
def tiny():
    return 1


@ray.remote(num_cpus=0)
def make(n):
    import numpy as np

    return np.ones(n, dtype=np.uint8)


@ray.remote(num_cpus=0)
class Echo:
    def ping(self):
        return 1


def init():
    # Address from RAY_ADDRESS, as KubeRay sets it in worker pods. The node IP from POD_IP: Ray
    # finds its own IP by routing to a public address, and a pod namespace has no default route,
    # so the driver would register as 127.0.0.1 and the head could not call it back (actors die
    # "out of scope" when the GCS cannot reach their owner).
    pod_ip = os.environ.get("POD_IP")
    ray.init(logging_level="ERROR", log_to_driver=False, **({"_node_ip_address": pod_ip} if pod_ip else {}))


def ms(t0):
    return (time.perf_counter() - t0) * 1000.0


SYNC = False


def mark(name, edge):
    """With --sync: tell the bench where we are and wait until it has taken its sample."""
    if not SYNC:
        return
    print(f"MARK {name} {edge}", flush=True)
    if sys.stdin.readline() == "":
        raise SystemExit("the bench closed the driver's stdin")


def pull(there, size, name):
    """Makes a size-MiB object on the other node, holds it there, then reads it here (timed)."""
    ref = make.options(scheduling_strategy=there).remote(size * MiB)
    ray.wait([ref], fetch_local=False)
    mark(name, "begin")
    t0 = time.perf_counter()
    arr = ray.get(ref)
    elapsed = time.perf_counter() - t0
    mark(name, "end")
    if arr.nbytes != size * MiB:
        raise SystemExit(f"object of {size} MiB arrived with {arr.nbytes} bytes")
    del arr
    return ref, elapsed


def work(args):
    global SYNC
    sizes = [int(s) for s in args.get("--sizes", "1,16,64,256").split(",") if s]
    tasks = int(args.get("--tasks", "1000"))
    calls = int(args.get("--calls", "1000"))
    blocks = int(args.get("--call-blocks", "1"))
    profile = int(args.get("--profile-size", "0"))
    SYNC = args.get("--sync", "0") == "1"
    init()
    there = NodeAffinitySchedulingStrategy(node_id=other_node(), soft=False)
    out = {}

    # Warm-up: worker processes on the other node exist and channels are open before timing.
    # Per 1,000 whatever the count (--tasks/--calls smaller in quick mode; 0 skips the row).
    ray.get([tiny.options(scheduling_strategy=there).remote() for _ in range(20)])
    if tasks > 0:
        mark("tiny-tasks-1000", "begin")
        t0 = time.perf_counter()
        ray.get([tiny.options(scheduling_strategy=there).remote() for _ in range(tasks)])
        out["tiny-tasks-1000"] = ms(t0) * 1000.0 / tasks
        mark("tiny-tasks-1000", "end")

    if calls > 0:
        actor = Echo.options(scheduling_strategy=there).remote()
        ray.get(actor.ping.remote())
        # Several blocks of round trips, the median block per 1,000: one stall on this shared
        # machine (a GC pause, a heartbeat burst) moves one block, not the run's figure.
        per_block = []
        mark("actor-calls-1000", "begin")
        for _ in range(blocks):
            t0 = time.perf_counter()
            for _ in range(calls):
                ray.get(actor.ping.remote())
            per_block.append(ms(t0) * 1000.0 / calls)
        mark("actor-calls-1000", "end")
        out["actor-calls-1000"] = sorted(per_block)[(len(per_block) - 1) // 2]

    # Objects are made on the other node and held there (ray.wait without fetching), then read
    # here: the read is the transfer between the object managers. Refs stay alive until the end,
    # so no object is freed or evicted while another is being measured.
    keep = []
    warm = make.options(scheduling_strategy=there).remote(64 * 1024)
    ray.get(warm)
    keep.append(warm)
    for size in sizes:
        ref, elapsed = pull(there, size, f"object-{size}MiB")
        out[f"object-{size}MiB"] = size / elapsed
        keep.append(ref)
    if profile > 0:
        keep.append(pull(there, profile, f"profile-{profile}MiB")[0])
    print(json.dumps(out), flush=True)
    ray.shutdown()


def connect(_args):
    t0 = time.perf_counter()
    init()
    there = NodeAffinitySchedulingStrategy(node_id=other_node(), soft=False)
    ray.get(tiny.options(scheduling_strategy=there).remote())
    print(json.dumps({"driver-connect": ms(t0)}), flush=True)
    ray.shutdown()


def main(argv):
    if len(argv) < 1 or argv[0] not in ("work", "connect"):
        print(__doc__, file=sys.stderr)
        return 2
    rest = argv[1:]
    args = dict(zip(rest[::2], rest[1::2]))
    (work if argv[0] == "work" else connect)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
