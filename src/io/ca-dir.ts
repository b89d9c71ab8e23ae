/** A CA directory: DIR/ca.crt and DIR/ca.key, as `raytls ca create` writes them and the seed mounts them. */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { RaytlsError } from "../errors.js";
import { loadCa, type LoadedCa } from "../pki/ca.js";
import { readInputFile } from "./secure-files.js";

export async function readCaFiles(certFile: string, keyFile: string, now?: Date): Promise<LoadedCa> {
  const [certPem, keyPem] = await Promise.all([readInputFile(certFile, "CA certificate"), readInputFile(keyFile, "CA key")]);
  return loadCa(certPem, keyPem, { cert: certFile, key: keyFile }, now);
}

export async function readCaDir(dir: string, now?: Date): Promise<LoadedCa> {
  try {
    const st = await fsp.stat(dir);
    if (!st.isDirectory()) throw new Error("not a directory");
  } catch {
    throw new RaytlsError("missing-ca-dir", `CA directory ${dir} does not exist`, {
      hint: "make one with `raytls ca create --out DIR`, or pass --ca-cert and --ca-key",
    });
  }
  return readCaFiles(path.join(dir, "ca.crt"), path.join(dir, "ca.key"), now);
}
