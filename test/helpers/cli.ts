/** Runs the raytls CLI in-process (fast) or as the bundled binary (as users run it). */
import { execFile, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(REPO, "bin/raytls.mjs");

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface RunningCli {
  /** The exit code and everything printed, once the command returns. */
  result: Promise<CliResult>;
  /** What it printed so far. */
  out(): string;
  err(): string;
}

/**
 * `raytls argv` in-process, returning at once: for a command that runs until a signal (`signer
 * serve`), whose output is read as it comes. The environment is `env` only, never the runner's.
 */
export function startCli(argv: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunningCli {
  let out = "";
  let err = "";
  const ctx: CliContext = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env: o.env ?? {},
    cwd: o.cwd ?? process.cwd(),
    exitCode: 0,
    color: false,
  };
  return { result: main(argv, ctx).then((code) => ({ code, out, err })), out: () => out, err: () => err };
}

/** `raytls argv` in-process, to completion. */
export function runCli(argv: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return startCli(argv, o).result;
}

/**
 * The bundled binary as users run it (needs `node scripts/build.mjs`, which `npm test` runs
 * first). The environment is PATH plus `env`, never the test runner's.
 */
export function runBin(argv: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...argv], { cwd: o.cwd ?? process.cwd(), env: { PATH: process.env.PATH, ...o.env }, encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

export interface ProcessResult extends CliResult {
  /** The signal that ended the process (a crash shows here, not in the test runner). */
  signal: NodeJS.Signals | null;
}

/**
 * `node <args>` as a child process without blocking this process's event loop: for tests whose
 * own process serves the peer the child talks to. `runNode([BIN, ...argv])` is the async runBin.
 */
export function runNode(args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: o.cwd ?? process.cwd(), env: { PATH: process.env.PATH, ...o.env }, timeout: o.timeoutMs ?? 30_000 }, (error, out, err) => {
      const e = error as (NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals }) | null;
      const code = !e ? 0 : typeof e.code === "number" ? e.code : -1;
      resolve({ code, signal: e?.signal ?? null, out, err });
    });
  });
}
