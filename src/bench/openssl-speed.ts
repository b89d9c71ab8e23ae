/**
 * `openssl speed` in the same run as a benchmark, for explaining its rows: AES-GCM bulk
 * encryption per core (what every TLS byte costs) and ECDSA P-256 vs RSA-2048 signatures (what
 * every handshake costs each side). Machine-readable output (`-mr`), one core, 1 s per test.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface OpensslSpeed {
  /** MiB/s on one core, 16 KiB blocks (a TLS record). */
  aes128gcm: number;
  aes256gcm: number;
  /** Operations per second on one core. */
  ecdsaP256: { sign: number; verify: number };
  rsa2048: { sign: number; verify: number };
  version: string;
}

/**
 * Reads `openssl speed -mr` lines: `+F:<i>:<cipher>:<bytes/s>` for ciphers, `+F2:<i>:<bits>:<sign/s>:<verify/s>`
 * for RSA and `+F4:<i>:<bits>:<sign/s>:<verify/s>` for ECDSA. Unknown lines are ignored; a missing
 * figure is NaN (the report prints n/a).
 */
export function parseOpensslSpeed(text: string): Omit<OpensslSpeed, "version"> {
  const out = { aes128gcm: NaN, aes256gcm: NaN, ecdsaP256: { sign: NaN, verify: NaN }, rsa2048: { sign: NaN, verify: NaN } };
  for (const line of text.split("\n")) {
    const f = line.trim().split(":");
    if (f[0] === "+F" && f.length >= 4) {
      const mibps = Number(f[f.length - 1]) / (1024 * 1024);
      if (/^aes-128-gcm$/i.test(f[2]!)) out.aes128gcm = mibps;
      if (/^aes-256-gcm$/i.test(f[2]!)) out.aes256gcm = mibps;
    } else if ((f[0] === "+F2" || f[0] === "+F4") && f.length >= 5) {
      const pair = { sign: Number(f[3]), verify: Number(f[4]) };
      if (f[0] === "+F2" && f[2] === "2048") out.rsa2048 = pair;
      if (f[0] === "+F4" && f[2] === "256") out.ecdsaP256 = pair;
    }
  }
  return out;
}

/** About 6 s: two ciphers and two signature algorithms, 1 s each (plus key setup). */
export async function measureOpensslSpeed(): Promise<OpensslSpeed> {
  const opts = { timeout: 60_000, maxBuffer: 1 << 20 };
  // One after the other: each figure is one core's, undisturbed by the other test.
  const ciphers: string[] = [];
  for (const c of ["aes-128-gcm", "aes-256-gcm"]) ciphers.push(await run("openssl", ["speed", "-mr", "-seconds", "1", "-bytes", "16384", "-evp", c], opts).then((r) => r.stdout, () => ""));
  const sigs = await run("openssl", ["speed", "-mr", "-seconds", "1", "ecdsap256", "rsa2048"], opts).then((r) => r.stdout, () => "");
  const version = await run("openssl", ["version"], opts).then((r) => r.stdout.trim(), () => "openssl not found");
  return { ...parseOpensslSpeed([...ciphers, sigs].join("\n")), version };
}
