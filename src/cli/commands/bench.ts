/** `raytls bench [NAME...]` (`npm run bench -- NAME`): the measurements behind the README's figures. */
import path from "node:path";
import { Option, type Command } from "commander";
import { action, type CliContext } from "../context.js";

export function registerBench(program: Command, ctx: CliContext): void {
  program
    .command("bench")
    .description("run benchmarks (medians over repeated runs, ratios against a baseline from the same run)")
    .argument("[names...]", "scenarios to run (default: all)")
    .option("--runs <n>", "repetitions for medians (each scenario has its own minimum)")
    .option("--out <dir>", "where reports go", "bench-results")
    .option("--list", "list the scenarios")
    .option("--strict", "exit 1 when a target is missed")
    .option("--json", "print results as JSON")
    .option("--quick", "smaller workloads, for testing the harness (ray)")
    .option("--no-profile", "ray: skip the perf profile of one transfer (taken when /usr/bin/perf exists)")
    .addOption(new Option("--serve-socket-echo <mode>", "grpc bench: serve the bare-socket echo reference").choices(["tls", "plain"]).hideHelp())
    .addHelpText("after", "\nExamples:\n  npm run bench -- pod-cert\n  raytls bench grpc health-check --runs 7\n  raytls bench --list")
    .action(
      action(ctx, async (names: string[], opts: { runs?: string; out: string; list?: boolean; strict?: boolean; json?: boolean; quick?: boolean; profile?: boolean; serveSocketEcho?: "tls" | "plain" }) => {
        if (opts.serveSocketEcho) {
          const { serveSocketEcho } = await import("../../bench/socket-echo.js");
          serveSocketEcho(opts.serveSocketEcho, ctx.env);
          await new Promise<never>(() => {}); // serves until SIGTERM (it exits the process)
        }
        const { scenarios } = await import("../../bench/registry.js");
        const { RaytlsError } = await import("../../errors.js");
        const { promises: fsp } = await import("node:fs");
        if (opts.list) {
          ctx.out(opts.json ? JSON.stringify(Object.keys(scenarios)) + "\n" : Object.keys(scenarios).join("\n") + "\n");
          return 0;
        }
        const chosen = names.length ? names : Object.keys(scenarios);
        for (const n of chosen) {
          if (!scenarios[n]) throw new RaytlsError("bad-bench", `unknown benchmark "${n}"`, { hint: `choose from ${Object.keys(scenarios).join(", ")}` });
        }
        const runs = opts.runs === undefined ? undefined : Number(opts.runs);
        if (runs !== undefined && (!Number.isInteger(runs) || runs < 1)) throw new RaytlsError("bad-runs", `--runs: "${opts.runs}" is not a positive whole number`, { hint: "e.g. --runs 7" });
        const outDir = path.resolve(ctx.cwd, opts.out);
        await fsp.mkdir(outDir, { recursive: true });
        let missed = 0;
        const results = [];
        for (const n of chosen) {
          ctx.err(`bench ${n}: running...\n`);
          const scenario = await scenarios[n]!();
          const result = await scenario({ ...(runs !== undefined ? { runs } : {}), ...(opts.quick ? { quick: true } : {}), ...(opts.profile !== undefined ? { profile: opts.profile } : {}), outDir, log: (l) => ctx.err(`  ${l}\n`) });
          results.push(result);
          await fsp.writeFile(path.join(outDir, `${n}.md`), result.markdown);
          await fsp.writeFile(path.join(outDir, `${n}.json`), JSON.stringify({ targets: result.targets, ...(result.measures ? { measures: result.measures } : {}), data: result.data }, null, 2) + "\n");
          for (const t of result.targets) if (!t.met) missed++;
          if (!opts.json) {
            ctx.out(result.markdown + "\n");
            for (const t of result.targets) ctx.out(`${t.met ? "target met   " : "TARGET MISSED"}  ${t.what}: ${t.value}\n`);
            ctx.out("\n");
          }
        }
        if (opts.json) ctx.out(JSON.stringify(results.map((r) => ({ name: r.name, targets: r.targets, ...(r.measures ? { measures: r.measures } : {}) })), null, 2) + "\n");
        ctx.err(`reports written to ${outDir}\n`);
        return opts.strict && missed > 0 ? 1 : 0;
      }),
    );
}
