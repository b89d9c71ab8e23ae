/**
 * `raytls demo` (= `npm run demo`): the seed's four steps on this machine, under 30 s, leaving no
 * process or namespace behind. Exit 0 when every step turned out as the seed says. `--signer`
 * walks the secure mode (the CA key only in a signer; pods ask it for their own IP).
 */
import type { Command } from "commander";
import { jsonOption } from "../common-options.js";
import { action, type CliContext } from "../context.js";
import type { DemoStep } from "../../lab/demo.js";
import { parseWorkers } from "../options.js";

interface Opts {
  netns?: boolean;
  ray?: boolean;
  rayBin?: string;
  signer?: boolean;
  workers: string;
  keep?: boolean;
  json?: boolean;
}

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description("walk the KubeRay TLS procedure (CA, pod certificates, env, health check) on a local cluster")
    .option("--netns", "pods in network namespaces (root) instead of loopback addresses")
    .option("--ray", "Ray itself in the pods (root, Ray 2.x): ray health-check by FQDN and short name, the fix, a Ray job across pods")
    .option("--ray-bin <path>", "the ray to use with --ray (default: $RAYTLS_RAY, then <package>/.venv-ray/bin/ray, then PATH)")
    .option("--signer", "the secure mode: a signer process holds the CA key; each pod asks it for a certificate for its own IP")
    .option("--workers <n>", "worker pods", "2")
    .option("--keep", "keep the certificates and logs it made")
    .addOption(jsonOption("print the report as JSON"))
    .addHelpText("after", "\nExamples:\n  npm run demo\n  sudo raytls demo --ray        # Ray 2.x itself in network namespaces (python3 -m venv .venv-ray && .venv-ray/bin/pip install ray==2.58.0)\n  raytls demo --netns --keep\n  raytls demo --signer          # no CA key in any pod (manifest --mode signer, on this machine)")
    .action(
      action(ctx, async (o: Opts) => {
        const { runDemo } = await import("../../lab/demo.js");
        const { RaytlsError } = await import("../../errors.js");
        const workers = parseWorkers(o.workers, 10);
        if (o.rayBin && !o.ray) throw new RaytlsError("ray-bin-without-ray", "--ray-bin is only used with --ray", { hint: "add --ray" });
        // First line: which runtime, and how to get the other (issue 9).
        if (o.ray) {
          // Before anything is made: no Ray or no root is bad input (exit 2), with how to fix it.
          const [{ findRay }, { netnsUnavailable }] = await Promise.all([import("../../lab/ray-runtime.js"), import("../../lab/netns.js")]);
          const why = await netnsUnavailable();
          if (why) throw new RaytlsError("netns-unavailable", `demo --ray: ${why}`, { hint: "run it as root: sudo node bin/raytls.mjs demo --ray (each Ray pod gets its own network namespace)" });
          await findRay(o.rayBin, { ...process.env, ...ctx.env });
        }
        if (!o.json) ctx.out(`${await runtimeLine(Boolean(o.ray), o.rayBin, ctx.env)}\n`);
        let port = 6379;
        let shared = false;
        if (!o.netns) {
          const p = await freePortOn("127.0.0.2", 6379);
          if (p === undefined) {
            // Only 127.0.0.1 is configured (macOS): all pods share it, each on its own port.
            shared = true;
            ctx.err("note: 127.0.0.2 is not usable here; every pod runs on 127.0.0.1 (own ports), so pod IPs coincide\n");
          }
          port = p ?? (await freePortOn("127.0.0.1", 6379)) ?? 6379;
        }
        const abort = new AbortController();
        const onSignal = (signal: "SIGINT" | "SIGTERM") => {
          if (abort.signal.aborted) return; // a second Ctrl-C: the cleanup is already under way
          ctx.err("interrupted: stopping the lab\n");
          abort.abort(new RaytlsError("interrupted", `demo interrupted (${signal}); every process and namespace it started was removed`, { kind: "interrupted", signal }));
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        let report: Awaited<ReturnType<typeof runDemo>>;
        try {
          report = o.ray ? await (await import("../../lab/demo-ray.js")).runRayDemo({
            signal: abort.signal,
            workers: o.workers === "2" ? 1 : workers,
            signer: Boolean(o.signer),
            keep: Boolean(o.keep),
            ...(o.rayBin ? { rayBin: o.rayBin } : {}),
            ...(o.json ? {} : { onStep: (s: DemoStep) => renderStep(ctx, s) }),
          }) : await runDemo({
            signal: abort.signal,
            mode: o.netns ? "netns" : "loopback",
            workers,
            signer: Boolean(o.signer),
            keep: Boolean(o.keep),
            port,
            ...(shared ? { loopbackBase: "127.0.0.1", sharedAddress: true } : {}),
            ...(o.json ? {} : { onStep: (s: DemoStep) => renderStep(ctx, s) }),
          });
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
        if (o.json) ctx.out(JSON.stringify(report, null, 2) + "\n");
        else ctx.out(`\n${report.ok ? "demo passed" : "demo FAILED"} in ${(report.ms / 1000).toFixed(1)} s${report.kept ? `; files in ${report.dir}` : ""}\n`);
        return report.ok ? 0 : 1;
      }),
    );
}

function renderStep(ctx: CliContext, s: DemoStep): void {
  ctx.out(`\n${s.ok ? "✔" : "✘"} ${s.title}\n`);
  for (const l of s.lines) ctx.out(`    ${l}\n`);
  if (s.command) {
    ctx.out(`    $ ${s.command.shown}\n`);
    if (s.command.output) for (const l of s.command.output.split("\n")) ctx.out(`      ${l}\n`);
    const as = s.command.exitCode === s.command.expected ? " (as expected)" : ` (expected ${s.command.expected})`;
    ctx.out(`    exit ${s.command.exitCode}${as}\n`);
  }
  if (s.files?.length && s.base) ctx.out(`    in ${s.base}/:\n`);
  for (const f of s.files ?? []) ctx.out(`    ${f.path.padEnd(30)} ${f.what}\n`);
}

/**
 * "runtime: ..." for the demo's first line. Plain `demo` stays on the embedded node even when Ray
 * and root are there, so the README's quick start passes the same way in a bare clone; the line
 * says how to get Ray itself (or, with --ray, that it is Ray).
 */
async function runtimeLine(ray: boolean, rayBin: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const { findRay, rayCandidates } = await import("../../lab/ray-runtime.js");
  const root = process.getuid?.() === 0;
  const found = await findRay(rayBin, { ...process.env, ...env }).then((r) => r, (err: Error) => err);
  if (ray) return found instanceof Error ? `runtime: Ray (--ray), but ${found.message}` : `runtime: Ray ${found.version} itself (${found.bin}, from ${found.source}), one network namespace per pod`;
  const how = found instanceof Error
    ? `Ray 2.x not found at ${rayCandidates(undefined, env)[0]?.path ?? "$RAYTLS_RAY"}; python3 -m venv .venv-ray && .venv-ray/bin/pip install ray==2.58.0, then ${root ? "" : "sudo "}raytls demo --ray`
    : `Ray ${found.version} is at ${found.bin}: ${root ? "" : "sudo "}raytls demo --ray runs Ray itself`;
  return `runtime: raytls's embedded Ray-compatible node (${how})`;
}

/** 6379 on the head's loopback address if free (a lab may already hold it), else any free port. */
async function freePortOn(host: string, preferred: number): Promise<number | undefined> {
  const { createServer } = await import("node:net");
  const tryPort = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(undefined));
      s.listen(port, host, () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
  return (await tryPort(preferred)) ?? (await tryPort(0));
}
