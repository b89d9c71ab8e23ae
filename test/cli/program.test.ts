/** The top-level program: every verb in --help, a verb run builds only itself, unknown verbs get suggestions. */
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { runCli } from "../helpers/cli.js";

const ctx: CliContext = { out: () => {}, err: () => {}, env: {}, cwd: process.cwd(), exitCode: 0, color: false };
const VERBS = ["ca", "inspect", "pod-cert", "csr", "verify", "env", "health-check", "node", "lab", "demo", "manifest", "lint", "signer", "bench"];

describe("cli program", () => {
  it("--help lists every verb, bench last", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    const listed = [...r.out.matchAll(/^ {2}([a-z-]+)(?: \[options\]| <| \[|\s{2})/gm)].map((m) => m[1]);
    for (const v of VERBS) expect(listed).toContain(v);
    expect(listed.indexOf("bench")).toBeGreaterThan(listed.indexOf("signer"));
  });

  it("running a verb builds only that verb; no verb or an unknown one builds all", () => {
    expect(buildProgram(ctx, "health-check").commands.map((c) => c.name())).toEqual(["health-check"]);
    expect(buildProgram(ctx, "lab").commands.map((c) => c.name())).toEqual(["lab"]);
    expect(buildProgram(ctx).commands.map((c) => c.name())).toEqual(VERBS);
    expect(buildProgram(ctx, "--help").commands).toHaveLength(VERBS.length);
    expect(buildProgram(ctx, "toString").commands).toHaveLength(VERBS.length);
  });

  it("a verb's own --help still works, and a misspelt verb is suggested", async () => {
    const help = await runCli(["health-check", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--address <host:port>/);
    const typo = await runCli(["helth-check"]);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/^ERROR: unknown command 'helth-check'\n  hint: did you mean health-check\? Run `(raytls|\S*bin\/raytls\.mjs) --help`/);
  });
});
