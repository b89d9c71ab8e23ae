/**
 * `raytls lint FILE...`: checks existing RayCluster manifests for the TLS mistakes that stop Ray
 * (or quietly weaken it). Exit 1 when any error, 0 otherwise, 2 when a file cannot be read or parsed.
 */
import path from "node:path";
import type { Command } from "commander";
import { jsonOption } from "../common-options.js";
import { action, type CliContext } from "../context.js";
import type { LintFinding, LintReport } from "../../k8s/lint/lint.js";

interface LintCliOptions {
  crd?: string;
  json?: boolean;
}

export function registerLint(program: Command, ctx: CliContext): void {
  program
    .command("lint")
    .summary("check RayCluster manifests for TLS mistakes")
    .description(
      "Reads Kubernetes YAML (multi-document; RayCluster ray.io/v1 and v1alpha1 with the Secrets and ConfigMaps " +
        "given alongside) and reports what would stop Ray's mutual TLS or weaken it. Exit 1 when any error, " +
        "2 when a file cannot be read or parsed.",
    )
    .argument("<file...>", "YAML files to check")
    .option("--crd <file>", "also validate each RayCluster against this CRD (ray.io_rayclusters.yaml)")
    .addOption(jsonOption('print {"findings":[...],"errors":N,"warnings":N} on stdout'))
    .addHelpText(
      "after",
      `
Examples:
  raytls lint ray-cluster.tls.yaml
  kubectl get raycluster demo -o yaml > demo.yaml && raytls lint demo.yaml --crd ray.io_rayclusters.yaml
  raytls manifest --name demo --out k8s && raytls lint k8s/*.yaml --json

Rules: tls-env-incomplete, tls-mixed, tls-path-not-mounted, autoscaler-tls-missing, tls-options-conflict,
pod-ip-missing, head-san-missing-fqdn, crd-schema (errors); ca-key-exposed, v1alpha1 (warnings);
head-san-missing-short-name, script-no-eku, script-mode-0777 (info). See docs/kubernetes.md.
`,
    )
    .action(action(ctx, async (files: string[], opts: LintCliOptions) => runLint(ctx, files, opts)));
}

async function runLint(ctx: CliContext, files: string[], opts: LintCliOptions): Promise<number> {
  const [{ lintFiles }, { readInputFile }] = await Promise.all([import("../../k8s/lint/lint.js"), import("../../io/secure-files.js")]);
  const inputs = [];
  for (const f of files) {
    inputs.push({ file: f, text: await readInputFile(path.resolve(ctx.cwd, f), "lint") });
  }
  let crd;
  if (opts.crd !== undefined) {
    const { loadCrd } = await import("../../k8s/crd-schema.js");
    const crdFile = path.resolve(ctx.cwd, opts.crd);
    crd = loadCrd(await readInputFile(crdFile, "--crd"), opts.crd);
  }
  const report = lintFiles(inputs, crd ? { crd } : {});
  if (opts.json) {
    ctx.out(JSON.stringify({ findings: report.findings, errors: report.errors, warnings: report.warnings, infos: report.infos, clusters: report.clusters }, null, 2) + "\n");
  } else {
    ctx.out(renderText(report));
  }
  if (report.clusters === 0) ctx.err(`note: no RayCluster (ray.io/v1 or v1alpha1) found in ${files.join(", ")}\n`);
  return report.errors > 0 ? 1 : 0;
}

/** Findings grouped by file and resource, most severe first. */
export function renderText(report: LintReport): string {
  const groups = new Map<string, LintFinding[]>();
  for (const f of report.findings) {
    const key = `${f.file}: ${f.resource}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  let s = "";
  for (const [key, list] of groups) {
    s += `${key}\n`;
    for (const f of list) {
      const at = f.line !== undefined ? `${f.line}:${f.column}` : "-";
      s += `  ${at.padEnd(8)} ${f.severity.padEnd(7)} ${f.rule}  ${f.path}\n`;
      s += `           ${f.message}\n`;
      s += `           hint: ${f.hint}\n`;
    }
  }
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  s += `${plural(report.clusters, "RayCluster")} checked: ${plural(report.errors, "error")}, ${plural(report.warnings, "warning")}, ${plural(report.infos, "info")}\n`;
  return s;
}
