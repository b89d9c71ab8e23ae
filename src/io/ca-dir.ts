/** A CA directory: DIR/ca.crt and DIR/ca.key, as `raytls ca create` writes them and the seed mounts them. */
import { statSync } from "node:fs";
import path from "node:path";
import { RaytlsError } from "../errors.js";
import { loadCa, type LoadedCa } from "../pki/ca.js";
import { readInputFileSync } from "./secure-files.js";

export async function readCaFiles(certFile: string, keyFile: string, now?: Date): Promise<LoadedCa> {
  const certPem = readInputFileSync(certFile, "CA certificate");
  const keyPem = readInputFileSync(keyFile, "CA key");
  return loadCa(certPem, keyPem, { cert: certFile, key: keyFile }, now);
}

export async function readCaDir(dir: string, now?: Date): Promise<LoadedCa> {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // missing or unreadable: the same answer as a file in its place
  }
  if (!isDir) {
    throw new RaytlsError("missing-ca-dir", `CA directory ${dir} does not exist`, {
      hint: "make one with `raytls ca create --out DIR`, or pass --ca-cert and --ca-key",
    });
  }
  return readCaFiles(path.join(dir, "ca.crt"), path.join(dir, "ca.key"), now);
}
