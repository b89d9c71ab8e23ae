/**
 * A small Ray job that exercises every Ray gRPC channel across pods (issue 9 item 3): run as a
 * driver in one pod (`lab exec POD -- python -c SCRIPT`), it runs a task pinned to every alive
 * node (GCS, raylets, core workers) and reports the node IP each ran on, then moves objects
 * between nodes both ways (object managers): one made with ray.put by an actor on the head and
 * read by a task on every other node, one put by the driver and read on the head. All refs stay
 * referenced until the end.
 * Prints one JSON line: {"nodes": [ip...], "taskIps": [ip...], "moved": [...]}.
 */
export const RAY_JOB_PY = String.raw`
import json, hashlib, ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy as Pin
ray.init(logging_level="ERROR", log_to_driver=False)
nodes = [n for n in ray.nodes() if n["Alive"]]
pin = lambda n: Pin(node_id=n["NodeID"], soft=False)

@ray.remote(num_cpus=0)
def where():
    return ray.util.get_node_ip_address()

task_ips = ray.get([where.options(scheduling_strategy=pin(n)).remote() for n in nodes], timeout=120)

# The object's owner is an actor on the head that keeps its ref: a ref put by a task and returned
# nested was once freed before the reader got it (ReferenceCountingAssertionError).
@ray.remote(num_cpus=0)
class Maker:
    def make(self, size):
        data = bytes(range(256)) * (size // 256)
        self.ref = ray.put(data)
        return [self.ref, ray.util.get_node_ip_address(), hashlib.sha256(data).hexdigest()]

@ray.remote(num_cpus=0)
def read(data):
    # A top-level ref argument: Ray fetches the object to this node before the task runs
    # (nested refs passed inside a list failed here with ReferenceCountingAssertionError).
    return [ray.util.get_node_ip_address(), len(data), hashlib.sha256(data).hexdigest()]

head = next(n for n in nodes if n["Resources"].get("head"))
others = [n for n in nodes if n is not head]
maker = Maker.options(scheduling_strategy=pin(head)).remote()
made = ray.get(maker.make.remote(1 << 20), timeout=120)
moved = []
for n in others:
    got = ray.get(read.options(scheduling_strategy=pin(n)).remote(made[0]), timeout=120)
    moved.append({"from": made[1], "to": got[0], "bytes": got[1], "same": got[2] == made[2]})
# The other way: an object put by this driver (its own node) read by a task on the head.
mine = bytes(reversed(range(256))) * 4096
ref = ray.put(mine)
got = ray.get(read.options(scheduling_strategy=pin(head)).remote(ref), timeout=120)
moved.append({"from": ray.util.get_node_ip_address(), "to": got[0], "bytes": got[1], "same": got[2] == hashlib.sha256(mine).hexdigest()})
print(json.dumps({"nodes": sorted(n["NodeManagerAddress"] for n in nodes), "taskIps": sorted(task_ips), "moved": moved}))
del made, ref, maker
`;

export interface RayJobResult {
  nodes: string[];
  taskIps: string[];
  moved: Array<{ from: string; to: string; bytes: number; same: boolean }>;
}

/** The job's JSON line (the last line of its stdout), or undefined. */
export function parseRayJob(stdout: string): RayJobResult | undefined {
  const line = stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  try {
    return line ? (JSON.parse(line) as RayJobResult) : undefined;
  } catch {
    return undefined;
  }
}
