/** `raytls env check`: Ray's TLS contract (seed Step 3) checked inside a running container. */
import type { Command } from "commander";
import { jsonOption } from "../common-options.js";
import { action, type CliContext } from "../context.js";

export function registerEnv(program: Command, ctx: CliContext): void {
  const env = program.command("env").description("Ray's TLS environment (seed Step 3)");
  env.command("check")
    .description("check RAY_USE_TLS, RAY_TLS_SERVER_CERT/KEY, RAY_TLS_CA_CERT (and POD_IP) as Ray and its peers will")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      `
Exit 0 when Ray would start with TLS and its certificate would be accepted, 1 otherwise.

Examples:
  kubectl exec -it $POD -- raytls env check
  RAY_USE_TLS=1 RAY_TLS_SERVER_CERT=tls/tls.crt RAY_TLS_SERVER_KEY=tls/tls.key RAY_TLS_CA_CERT=tls/ca.crt POD_IP=10.244.0.7 raytls env check`,
    )
    .action(
      action(ctx, async (opts: { json?: boolean }) => {
        const { checkRayEnv } = await import("../../ray/env-check.js");
        const report = await checkRayEnv(ctx.env);
        if (opts.json) {
          ctx.out(JSON.stringify(report, null, 2) + "\n");
        } else {
          for (const f of report.findings) {
            ctx.out(`${f.skipped ? "skip" : f.ok ? "ok  " : "FAIL"}  ${f.variable}: ${f.message}\n${(!f.ok || f.skipped) && f.hint ? `      hint: ${f.hint}\n` : ""}`);
          }
          const skipped = report.findings.filter((f) => f.skipped).map((f) => f.variable);
          const notRun = skipped.length ? ` (not checked: ${skipped.join(", ")})` : "";
          ctx.out(report.ok ? `Ray's TLS environment is complete and consistent${notRun}.\n` : `${report.findings.filter((f) => !f.ok).length} problem(s)${notRun}.\n`);
        }
        return report.ok ? 0 : 1;
      }),
    );
}
