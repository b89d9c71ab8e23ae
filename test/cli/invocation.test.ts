/** Issue 11: commands raytls prints run as printed, whether or not `raytls` is on PATH. */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { raytlsInvocation } from "../../src/cli/invocation.js";
import { BIN, runCli } from "../helpers/cli.js";
import { useTempDir } from "../helpers/temp-dir.js";

const t = useTempDir("raytls-invocation-");

describe("raytlsInvocation", () => {
  it("is `raytls` when an executable raytls is on PATH, else the bin's absolute path", () => {
    expect(raytlsInvocation({ PATH: "/usr/bin:/bin" })).toBe(BIN);
    const binDir = path.join(t.dir, "bin");
    mkdirSync(binDir);
    writeFileSync(path.join(binDir, "raytls"), "#!/bin/sh\n");
    expect(raytlsInvocation({ PATH: `/usr/bin:${binDir}` })).toBe(BIN); // not executable: not a command
    chmodSync(path.join(binDir, "raytls"), 0o755);
    expect(raytlsInvocation({ PATH: `/usr/bin:${binDir}` })).toBe("raytls");
  });

  it("ca create prints its next commands with the bin path when raytls is not on PATH", async () => {
    const r = await runCli(["ca", "create", "--out", "ca"], { cwd: t.dir, env: { PATH: "/usr/bin:/bin" } });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`Next: ${BIN} inspect ${path.join(t.dir, "ca", "ca.crt")}`);
  });
});
