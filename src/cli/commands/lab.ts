/**
 * `raytls lab up|status|down`: a Ray cluster with mutual TLS on this machine, without Kubernetes.
 * Pods are `raytls node` processes on loopback addresses, or in network namespaces with --netns.
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jsonOption } from "../common-options.js";
import { action, type CliContext } from "../context.js";
import { RaytlsError, signalExitCode } from "../../errors.js";
import { forgetLab, lastLab, rememberLab } from "../last-lab.js";
import { raytlsInvocation } from "../invocation.js";
import { parsePort, parseWorkers } from "../options.js";

export function defaultLabDir(name: string): string {
  return join(tmpdir(), "raytls-lab", name);
}

/** A Ray lab's default: outside /tmp, because each Ray pod gets a private /tmp (see ray-runtime.ts). */
export function defaultRayLabDir(name: string): string {
  return join("/var/tmp", "raytls-lab", name);
}

interface UpOpts {
  workers: string;
  dir?: string;
  netns?: boolean;
  signer?: boolean;
  ray?: boolean;
  rayBin?: string;
  name: string;
  namespace: string;
  port: string;
  foreground?: boolean;
  json?: boolean;
}

export function registerLab(program: Command, ctx: CliContext): void {
  const lab = program
    .command("lab")
    .description("run a Ray cluster with mutual TLS on this machine (head and workers as local pods)")
    .addHelpText(
      "after",
      `
Examples:
  raytls lab up --workers 2              # pods on 127.0.0.2, .3, .4 (no root needed)
  sudo raytls lab up --netns             # each pod in its own network namespace, 10.244.0.0/24
  raytls lab up --signer                 # the secure mode: a signer alone holds the CA key; pods ask it
  sudo raytls lab up --netns --signer    # ... with the signer in its own namespace (10.244.0.1)
  sudo raytls lab up --ray --workers 1   # Ray itself in each pod (ray start --block; private /tmp per pod)
  sudo raytls lab up --ray --signer      # ... pods get certificates from the signer before Ray starts
  raytls lab status                      # --ray: each node as Ray sees it; every pod certificate's expiry
  sudo raytls lab exec worker-1 -- ray health-check --address '$FQ_RAY_IP:6379'
  sudo raytls lab exec worker-1 -- python -c 'import ray; ray.init(); print(ray.nodes())'
  sudo raytls lab exec head -- sh -c 'ls /tmp/ray/session_latest/logs'   # the pod's own /tmp
  raytls lab down                        # also after a crash: kills by recorded PID, removes namespaces`,
    );

  lab
    .command("up")
    .description("create the CA and pod certificates, start head and workers, wait until all are registered")
    .option("--workers <n>", "number of worker pods", "2")
    .option("--dir <dir>", "where certificates, logs and state go (default: $TMPDIR/raytls-lab/<name>; with --ray /var/tmp/raytls-lab/<name>, never under /tmp)")
    .option("--netns", "each pod in its own network namespace (root)")
    .option("--signer", "run a signer that alone holds the CA key; each pod gets its certificate with raytls pod-cert --signer (as manifest --mode signer)")
    .option("--ray", "run Ray itself in each pod (implies --netns; root; Ray 2.x): ray start --block, stopped by process group")
    .option("--ray-bin <path>", "the ray to use with --ray (default: $RAYTLS_RAY, then <package>/.venv-ray/bin/ray, then PATH)")
    .option("--name <name>", "RayCluster name", "raycluster-tls")
    .option("--namespace <ns>", "Kubernetes namespace in the head's FQDN", "default")
    .option("--port <n>", "head GCS port", "6379")
    .option("--foreground", "stay running; Ctrl-C stops the lab")
    .addOption(jsonOption())
    .action(
      action(ctx, async (o: UpOpts) => {
        const [{ labUp, labDown }, { checkClusterName, checkNamespace }] = await Promise.all([import("../../lab/lab.js"), import("../../k8s/kuberay-names.js")]);
        checkClusterName(o.name);
        checkNamespace(o.namespace);
        const workers = parseWorkers(o.workers, 50);
        if (o.port.trim() === "0") {
          // Every pod's RAY_ADDRESS, hosts file and certificate plan name the head's port before any
          // pod starts, so the lab cannot wait for the kernel to pick one.
          throw new RaytlsError("bad-port", `--port: 0 (any free port) does not work for a lab: the workers are given the head's port before the head starts`, {
            hint: "give a free port, e.g. --port 16379 (`ss -ltn` lists the ones in use)",
          });
        }
        const port = parsePort(o.port);
        if (o.rayBin && !o.ray) throw new RaytlsError("ray-bin-without-ray", "--ray-bin is only used with --ray", { hint: "add --ray" });
        const dir = o.dir ?? (o.ray ? defaultRayLabDir(o.name) : defaultLabDir(o.name));
        let interrupted: "SIGINT" | "SIGTERM" | undefined;
        const onSignal = (signal: "SIGINT" | "SIGTERM") => {
          if (interrupted) return; // a second Ctrl-C: the cleanup is already under way
          interrupted = signal;
          ctx.err("interrupted: stopping the lab\n");
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        try {
          const r = await labUp({
            name: o.name,
            namespace: o.namespace,
            workers,
            mode: o.netns || o.ray ? "netns" : "loopback",
            dir,
            port,
            signer: Boolean(o.signer),
            ...(o.ray ? { ray: { ...(o.rayBin ? { bin: o.rayBin } : {}) } } : {}),
            log: (l) => ctx.err(`${l}\n`),
          });
          if (interrupted) {
            await labDown(dir, o.name);
            return signalExitCode(interrupted);
          }
          rememberLab(dir, o.name);
          if (o.json) ctx.out(JSON.stringify({ ok: true, dir, plan: r.state.plan, pids: r.state.pids, ...(r.state.signer ? { signer: r.state.signer } : {}), ...(r.state.ray ? { ray: r.state.ray, rayNodes: r.rayNodes } : {}), nodes: r.nodes, ms: r.ms }, null, 2) + "\n");
          else if (r.state.ray) renderRayUp(ctx, r);
          else renderUp(ctx, r.state.plan, r.state.pids, r.ms, r.state.signer);
          if (o.foreground) {
            ctx.err("running; Ctrl-C to stop\n");
            while (!interrupted) await new Promise((res) => setTimeout(res, 200));
            const d = await labDown(dir, o.name);
            ctx.err(`stopped ${d.stopped.length} pods${d.netnsRemoved.length ? `, removed ${d.netnsRemoved.length} namespaces` : ""}\n`);
          }
          // With --foreground a signal is how the lab is meant to end, not a failure: exit 0.
          return 0;
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          if (interrupted) await labDown(dir, o.name).catch(() => undefined);
        }
      }),
    );

  existingLabCommand(ctx, lab, "status", "show the lab's pods, their processes, and what the head knows of its workers", async (where, json) => {
    const { labStatus } = await import("../../lab/lab.js");
    const s = await labStatus(where.dir, where.name);
    if (json) {
      ctx.out(JSON.stringify(s, null, 2) + "\n");
      return s.running ? 0 : 1;
    }
    if (!s.plan) {
      ctx.out(`no lab in ${s.dir}${s.netns.length ? ` (left-over namespaces: ${s.netns.join(", ")}; run raytls lab down)` : ""}\n`);
      return 1;
    }
    ctx.out(`lab ${s.plan.name} (${s.plan.mode}${s.plan.signer ? ", signer" : ""}) in ${s.dir}: ${s.running ? "running" : "not running"}\n`);
    if (s.ray) ctx.out(`  Ray ${s.ray.version} (${s.ray.bin})\n`);
    for (const p of s.pods) {
      const n = s.nodes?.find((x) => x.podIp === p.ip);
      const rn = s.rayNodes?.filter((x) => x.ip === p.ip);
      const extra = s.ray
        ? `Ray node ${rn?.length ? rn.map((x) => `${x.alive ? "ALIVE" : "DEAD"} at ${x.ip}${x.isHead ? " (head)" : ""}`).join(", ") : "not in Ray's node table"}`
        : p.role === "head" ? `${s.plan.headFqdn}:${s.plan.port}` : n ? `${n.alive ? "alive" : "DEAD"}, dial-back ${n.dialBackOk ? "ok" : n.dialBackError}` : "not registered";
      ctx.out(`  ${p.name.padEnd(10)} ${p.ip.padEnd(12)} pid ${String(p.pid).padEnd(7)} ${p.alive ? "up  " : "DOWN"}  ${extra}; cert until ${p.certNotAfter ?? "(unreadable)"}\n`);
    }
    if (s.nodesError) ctx.out(`  head did not answer: ${s.nodesError}\n`);
    if (s.signer) {
      ctx.out(`  ${"signer".padEnd(10)} ${(s.signer.url ?? "(no URL)").padEnd(26)} pid ${String(s.signer.pid).padEnd(7)} ${s.signer.alive ? "up  " : "DOWN"}  holds the CA key\n`);
      ctx.out(`  audit log  ${s.signer.auditLog} (${s.signer.issued} issued, ${s.signer.refused} refused)\n`);
    }
    const rayOk = !s.ray || (s.rayNodes !== undefined && s.pods.every((p) => s.rayNodes!.some((n) => n.alive && n.ip === p.ip)));
    const healthy = s.running && rayOk && s.pods.every((p) => p.alive) && (s.nodes ?? []).every((n) => n.alive) && (!s.signer || s.signer.alive);
    return healthy ? 0 : 1;
  });

  existingLabCommand(ctx, lab, "down", "stop the lab's processes (by recorded PID) and remove its namespaces; safe after a crash", async (where, json) => {
    const { labDown } = await import("../../lab/lab.js");
    const d = await labDown(where.dir, where.name);
    forgetLab(where.dir);
    if (json) ctx.out(JSON.stringify(d, null, 2) + "\n");
    else if (!d.hadState && d.netnsRemoved.length === 0) ctx.out("nothing to stop\n");
    else ctx.out(`stopped ${d.stopped.length} ${d.stopped.some((x) => x.pod === "signer") ? "processes (pods and the signer)" : "pod processes"}${d.netnsRemoved.length ? `, removed namespaces ${d.netnsRemoved.join(", ")}` : ""}\n`);
    return 0;
  });

  lab
    .command("exec")
    .description("run a command in a pod, like kubectl exec: its namespace, hosts file, Ray TLS and KubeRay env, private /tmp and Ray on PATH (--ray); exit code passes through")
    .argument("<pod>", "head, worker-1, ...")
    .argument("<command...>", "after --; $NAME / ${NAME} are expanded from the pod's environment (quote them for your shell: '$FQ_RAY_IP:6379')")
    .option("--dir <dir>", "the lab directory (default: the last lab started by lab up)")
    .option("--name <name>", "RayCluster name", "raycluster-tls")
    .addHelpText("after", `
Examples:
  raytls lab exec worker-1 -- ray health-check --address '$FQ_RAY_IP:6379'    # the seed's Step 4
  raytls lab exec worker-1 -- sh -c 'env | grep -E "^(RAY_|FQ_RAY_IP|POD_IP)"'
  raytls lab exec worker-1 -- python -c 'import ray; ray.init(); print(ray.cluster_resources())'`)
    .action(
      action(ctx, async (pod: string, command: string[], o: { dir?: string; name: string }, cmd: Command) => {
        const { labExec } = await import("../../lab/lab-exec.js");
        const where = findLab(o, cmd);
        return (await labExec(where.dir, pod, command)).code;
      }),
    );

  // Used by the lab itself from inside a pod: the head's ListNodes, with Ray's TLS environment.
  lab
    .command("nodes", { hidden: true })
    .requiredOption("--address <host:port>", "the head")
    .action(
      action(ctx, async (o: { address: string }) => {
        const [{ listNodes }, { loadTls }, { parseHostsOverride }] = await Promise.all([
          import("../../ray/node-list.js"),
          import("../../ray/tls-material.js"),
          import("../../ray/dial-target.js"),
        ]);
        const nodes = await listNodes(o.address, await loadTls(ctx.env), parseHostsOverride(ctx.env.RAYTLS_HOSTS));
        ctx.out(JSON.stringify(nodes) + "\n");
        return 0;
      }),
    );
}

function renderUp(ctx: CliContext, plan: import("../../lab/lab-plan.js").LabPlan, pids: Record<string, number>, ms: number, signer?: { pid: number; url?: string }): void {
  ctx.out(`lab ${plan.name} up in ${(ms / 1000).toFixed(1)} s (${plan.mode === "netns" ? "network namespaces" : "loopback addresses"}${plan.signer ? ", with a signer" : ""}); files in ${plan.dir}\n`);
  for (const p of plan.pods) {
    ctx.out(`  ${p.name.padEnd(10)} ${p.ip.padEnd(12)} pid ${pids[p.name]}${p.role === "head" ? `  ${plan.headFqdn}:${plan.port}` : ""}\n`);
  }
  if (plan.signer && signer) {
    ctx.out(`  ${"signer".padEnd(10)} ${(signer.url ?? "").replace("https://", "").padEnd(12)} pid ${signer.pid}  the only holder of the CA key (${plan.signer.caKey})\n`);
    ctx.out(`  audit log: ${plan.signer.auditLog}; no CA key under ${join(plan.dir, "pods")}\n`);
  }
  const w = plan.pods[1]!;
  const envFile = join(plan.dir, "pods", w.name, "ray.env");
  const raytls = raytlsInvocation(ctx.env);
  const run = w.netns ? `ip netns exec ${w.netns} env $(cat ${envFile}) ${raytls}` : `env $(cat ${envFile}) ${raytls}`;
  ctx.out(`\nfrom ${w.name}:\n  ${run} health-check --address ${plan.headFqdn}:${plan.port}   # passes\n  ${run} health-check --address ${plan.headShort}:${plan.port}   # Peer name ... is not in peer certificate\nstop it: ${raytls} lab down${plan.dir === defaultLabDir(plan.name) ? (plan.name === "raycluster-tls" ? "" : ` --name ${plan.name}`) : ` --dir ${plan.dir}`}\n`);
}

function renderRayUp(ctx: CliContext, r: import("../../lab/lab.js").LabUpResult): void {
  const { plan, pids, ray } = r.state;
  ctx.out(`lab ${plan.name} up in ${(r.ms / 1000).toFixed(1)} s: Ray ${ray!.version} in network namespaces${plan.signer ? ", certificates from a signer" : ""}; files in ${plan.dir}\n`);
  for (const p of plan.pods) {
    const n = r.rayNodes?.find((x) => x.ip === p.ip);
    ctx.out(`  ${p.name.padEnd(10)} ${p.ip.padEnd(12)} pgid ${String(pids[p.name]).padEnd(7)} Ray node ${n ? `${n.alive ? "ALIVE" : "DEAD"} ${n.nodeId.slice(0, 12)}` : "missing"}${p.role === "head" ? `  ${plan.headFqdn}:${plan.port}` : ""}\n`);
  }
  const raytls = raytlsInvocation(ctx.env);
  const dirArg = plan.dir === defaultRayLabDir(plan.name) && plan.name === "raycluster-tls" ? "" : ` --dir ${plan.dir}`;
  ctx.out(`\nfrom ${plan.pods[1]!.name}:\n  ${raytls} lab exec${dirArg} ${plan.pods[1]!.name} -- ray health-check --address '$FQ_RAY_IP:6379'   # passes\n  ${raytls} lab exec${dirArg} ${plan.pods[1]!.name} -- ray health-check --address '$RAY_IP:6379'      # fails after Ray's GCS timeout\n  ${raytls} lab exec${dirArg} ${plan.pods[1]!.name} -- raytls health-check --address '$RAY_IP:6379'   # says why at once (raytls is on the pods' PATH)\nstop it: ${raytls} lab down${dirArg}\n`);
}

/** --dir, else the last lab `lab up` started (when --name is not given or names it), else the default. */
function findLab(o: { dir?: string; name: string }, cmd: Command): { dir: string; name: string } {
  if (o.dir !== undefined) return { dir: o.dir, name: o.name };
  const last = lastLab();
  if (last && (cmd.getOptionValueSource("name") !== "cli" || last.name === o.name)) return last;
  // A --ray lab's default directory is outside /tmp.
  const rayDir = defaultRayLabDir(o.name);
  if (!existsSync(join(defaultLabDir(o.name), "lab-state.json")) && existsSync(join(rayDir, "lab-state.json"))) return { dir: rayDir, name: o.name };
  return { dir: defaultLabDir(o.name), name: o.name };
}

/**
 * A verb on an existing lab (status, down): --dir and --name find it (findLab), --json picks the
 * output; `run` gets the lab and returns the exit code.
 */
function existingLabCommand(ctx: CliContext, lab: Command, verb: string, description: string, run: (where: { dir: string; name: string }, json: boolean) => Promise<number>): void {
  lab
    .command(verb)
    .description(description)
    .option("--dir <dir>", "the lab directory (default: the last lab started by lab up, else $TMPDIR/raytls-lab/<name>)")
    .option("--name <name>", "RayCluster name", "raycluster-tls")
    .addOption(jsonOption())
    .action(action(ctx, async (o: { dir?: string; name: string; json?: boolean }, cmd: Command) => run(findLab(o, cmd), Boolean(o.json))));
}
