/**
 * Issue 11, as a new user meets the lab through the CLI: `lab up` prints commands that run as
 * printed (raytls is not on PATH after `npm ci`: the bin's absolute path is printed), the head's
 * ray.env names the address the head really listens on, `lab status`/`down` without --dir find the
 * last lab started, and a `lab up` whose port is taken says why. Runs bin/raytls.mjs (the bundle
 * `npm test` builds first) with its own TMPDIR, name, port (from the kernel) and directory.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labDown } from "../../src/lab/lab.js";
import { BIN, runBin } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { buildCliBundle } from "./cli-bundle.js";

const tmp = useTempDir("raytls-labcli-");
const root = tmp.dir;
const dir = join(root, "mylab");
const name = `fh${process.pid % 10000}`;
/** The head listens on 127.0.0.2 (the loopback lab's first address); both labs ask for this port. */
let port = 0;
let bundle: Awaited<ReturnType<typeof buildCliBundle>> | undefined;
// No raytls on PATH, as after `npm ci` in a clone; TMPDIR of our own for the last-lab file.
const env = (): NodeJS.ProcessEnv => ({ PATH: "/usr/bin:/bin", TMPDIR: root, NO_COLOR: "1", RAYTLS_CLI_ENTRY: bundle!.entry });
const raytls = (argv: string[]) => runBin(argv, { env: env() });

beforeAll(async () => {
  bundle = await buildCliBundle();
  port = await freePort("127.0.0.2");
});
afterAll(async () => {
  await labDown(dir, name).catch(() => undefined);
  await labDown(join(root, "second"), `${name}b`).catch(() => undefined);
  bundle?.cleanup();
});

describe("raytls lab through the CLI (loopback)", () => {
  it("printed commands run as printed; ray.env's head address is real; status/down find the last lab; a taken port says why", () => {
    const up = raytls(["lab", "up", "--workers", "1", "--name", name, "--port", String(port), "--dir", dir]);
    expect(up.code, up.err).toBe(0);
    const printed = up.out.split("\n").filter((l) => l.includes(" health-check --address ")).map((l) => l.replace(/#.*$/, "").trim());
    expect(printed).toHaveLength(2);
    expect(printed[0]).toContain(`env $(cat ${join(dir, "pods/worker-1/ray.env")}) ${BIN} health-check`);
    const ok = spawnSync("sh", ["-c", printed[0]!], { env: env(), encoding: "utf8", timeout: 60_000 });
    expect(ok.status, ok.stderr).toBe(0);
    const bad = spawnSync("sh", ["-c", printed[1]!], { env: env(), encoding: "utf8", timeout: 60_000 });
    expect(bad.status).toBe(1);
    expect(bad.stdout + bad.stderr).toContain(`Peer name ${name}-head-svc is not in peer certificate`);
    expect(up.out).toMatch(new RegExp(`stop it: ${BIN.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} lab down --dir ${dir}`));

    // The head's own environment reaches the head.
    const headEnv = readFileSync(join(dir, "pods/head/ray.env"), "utf8");
    expect(headEnv).toMatch(new RegExp(`^RAY_ADDRESS=127\\.0\\.0\\.2:${port}$`, "m"));
    const self = spawnSync("sh", ["-c", `set -a; . ${join(dir, "pods/head/ray.env")}; set +a; ${BIN} health-check --address "$RAY_ADDRESS"`], { env: env(), encoding: "utf8", timeout: 60_000 });
    expect(self.status, self.stdout + self.stderr).toBe(0);

    const st = raytls(["lab", "status"]);
    expect(st.code, st.out + st.err).toBe(0);
    expect(st.out).toContain(`lab ${name} (loopback) in ${dir}: running`);

    const second = raytls(["lab", "up", "--workers", "1", "--name", `${name}b`, "--port", String(port), "--dir", join(root, "second")]);
    expect(second.code).toBe(1);
    expect(second.err).toMatch(/pod head \(pid \d+\) exited during start-up: .*(EADDRINUSE|in use)/);

    const down = raytls(["lab", "down"]);
    expect(down.code, down.err).toBe(0);
    expect(down.out).toMatch(/^stopped 2 pod processes/);
    expect(existsSync(join(root, "raytls-lab", "last-lab.json"))).toBe(false);
    expect(raytls(["lab", "status"]).out).toMatch(/^no lab in /);
  });
});
