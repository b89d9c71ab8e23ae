/**
 * `raytls demo` (= `npm run demo`): the seed's four steps on this machine, under 30 s, leaving no
 * process or namespace behind. Exit 0 when every step turned out as the seed says. `--signer`
 * walks the secure mode (the CA key only in a signer; pods ask it for their own IP).
 */
import type { Command } from "commander";
import { action, type CliContext } from "../context.js";
import type { DemoStep } from "../../lab/demo.js";
import { parseWorkers } from "../options.js";

interface Opts {
  netns?: boolean;
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
    .option("--signer", "the secure mode: a signer process holds the CA key; each pod asks it for a certificate for its own IP")
    .option("--workers <n>", "worker pods", "2")
    .option("--keep", "keep the certificates and logs it made")
    .option("--json", "print the report as JSON")
    .addHelpText("after", "\nExamples:\n  npm run demo\n  raytls demo --netns --keep\n  raytls demo --signer          # no CA key in any pod (manifest --mode signer, on this machine)")
    .action(
      action(ctx, async (o: Opts) => {
        const { runDemo } = await import("../../lab/demo.js");
        const { RaytlsError } = await import("../../errors.js");
        const workers = parseWorkers(o.workers, 10);
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
          report = await runDemo({
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
    for (const l of s.command.output.split("\n")) ctx.out(`      ${l}\n`);
    const as = s.command.exitCode === s.command.expected ? " (as expected)" : ` (expected ${s.command.expected})`;
    ctx.out(`    exit ${s.command.exitCode}${as}\n`);
  }
  if (s.files?.length && s.base) ctx.out(`    in ${s.base}/:\n`);
  for (const f of s.files ?? []) ctx.out(`    ${f.path.padEnd(30)} ${f.what}\n`);
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
