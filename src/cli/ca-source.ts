/** `--ca-dir DIR` or `--ca-cert F --ca-key F`: where a signing verb finds its CA. */
import { existsSync } from "node:fs";
import path from "node:path";
import { RaytlsError } from "../errors.js";
import type { LoadedCa } from "../pki/ca.js";

export interface CaFlags {
  caDir?: string;
  caCert?: string;
  caKey?: string;
}

export async function loadCaFromFlags(flags: CaFlags, cwd: string, defaultDir?: string): Promise<LoadedCa> {
  const { readCaDir, readCaFiles } = await import("../io/ca-dir.js");
  const pair = flags.caCert !== undefined || flags.caKey !== undefined;
  if (pair && flags.caDir !== undefined) {
    throw new RaytlsError("ca-flags", "--ca-dir cannot be combined with --ca-cert/--ca-key", { hint: "pass either --ca-dir DIR or both --ca-cert F and --ca-key F" });
  }
  if (pair) {
    if (!flags.caCert || !flags.caKey) {
      throw new RaytlsError("ca-flags", `${flags.caCert ? "--ca-key" : "--ca-cert"} is missing`, { hint: "--ca-cert and --ca-key go together" });
    }
    return readCaFiles(path.resolve(cwd, flags.caCert), path.resolve(cwd, flags.caKey));
  }
  const dir = flags.caDir ?? defaultDir;
  if (!dir) throw new RaytlsError("ca-flags", "no CA given", { hint: "pass --ca-dir DIR (with ca.crt and ca.key) or --ca-cert F --ca-key F" });
  if (flags.caDir === undefined && !existsSync(path.resolve(cwd, dir))) {
    // The default is where the seed's init container mounts the CA; outside a pod, say which flag moves it.
    throw new RaytlsError("missing-ca-dir", `no CA given, and the default CA directory ${dir} (the seed's init-container mount) does not exist`, {
      hint: "pass --ca-dir DIR (made by `raytls ca create --out DIR`), or --ca-cert F --ca-key F, or --signer URL for a signer",
    });
  }
  return readCaDir(path.resolve(cwd, dir));
}
