/**
 * Writing keys and certificates safely (STYLE.md rule 8, mkcert's habits): each file goes to a
 * temporary name in the same directory with its final mode, then is renamed into place, so a crash
 * or a full disk never leaves a half-written key. Every target is checked before anything is
 * written: without `force`, one existing file stops the whole set and nothing changes.
 *
 * The file system calls are synchronous on purpose: the files are a few hundred bytes, and a
 * `raytls pod-cert` process spends more time waiting for the thread pool than writing (its start-up
 * time is a measured target, issue #2). The functions stay async so callers need not care.
 */
import { accessSync, closeSync, constants as fsc, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { RaytlsError, describeCause } from "../errors.js";

export interface FileToWrite {
  path: string;
  data: string | Uint8Array;
  /** Default is 0o644 (certificates); keys use 0o600, the CA key 0o400. */
  mode?: number;
}

export interface WriteOptions {
  /** Overwrite existing files. Default is false. */
  force?: boolean;
  /** Create missing parent directories (mode 0700). Default is true. */
  mkdir?: boolean;
}

export async function writeFilesAtomically(files: FileToWrite[], options: WriteOptions = {}): Promise<void> {
  writeFilesAtomicallySync(files, options);
}

export function writeFilesAtomicallySync(files: FileToWrite[], options: WriteOptions = {}): void {
  if (!(options.force ?? false)) {
    const existing = files.filter((f) => existsSync(f.path)).map((f) => f.path);
    if (existing.length > 0) {
      throw new RaytlsError("file-exists", `refusing to overwrite ${existing.join(", ")}`, {
        hint: "pass --force to replace them, or choose another output directory (nothing was written)",
      });
    }
  }
  const directories = files.filter((f) => isDirectory(f.path)).map((f) => f.path);
  if (directories.length > 0) {
    throw new RaytlsError("write-failed", `could not write ${directories.join(", ")}: it is a directory`, {
      hint: "remove the directory or choose another output path (nothing was written)",
    });
  }
  for (const dir of new Set(files.map((f) => path.dirname(path.resolve(f.path))))) {
    try {
      if (options.mkdir ?? true) mkdirSync(dir, { recursive: true, mode: 0o700 });
      accessSync(dir, fsc.W_OK);
    } catch (err) {
      throw new RaytlsError("output-dir", `cannot write to directory ${dir}: ${describeCause(err)}`, {
        hint: "check that the path exists and is writable, or pass another --out",
        cause: err,
      });
    }
  }
  const temps: Array<{ tmp: string; final: string }> = [];
  try {
    for (const f of files) {
      const final = path.resolve(f.path);
      const tmp = path.join(path.dirname(final), `.${path.basename(final)}.${randomBytes(6).toString("hex")}.tmp`);
      const mode = f.mode ?? 0o644;
      // 'wx': never follow or reuse an existing temp name; the mode applies at creation, so a key
      // is never readable by others even for an instant (umask can only remove bits).
      const fd = openSync(tmp, "wx", mode);
      temps.push({ tmp, final });
      try {
        const data = typeof f.data === "string" ? Buffer.from(f.data) : f.data;
        for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
        fchmodSync(fd, mode);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    renameAll(temps);
  } catch (err) {
    for (const t of temps) rmSync(t.tmp, { force: true });
    if (err instanceof RaytlsError) throw err;
    throw new RaytlsError("write-failed", `could not write ${files.map((f) => f.path).join(", ")}: ${describeCause(err)}`, {
      hint: "check free space and permissions; nothing was left half-written",
      cause: err,
    });
  }
}

/**
 * Renames every temp file into place, all or nothing: a file being replaced is first moved aside,
 * and a failure part-way puts every earlier target back as it was (a new key is never left
 * without its certificate).
 */
function renameAll(temps: Array<{ tmp: string; final: string }>): void {
  const done: Array<{ final: string; backup: string | undefined }> = [];
  try {
    for (const t of temps) {
      let backup: string | undefined;
      if (existsSync(t.final)) {
        backup = `${t.tmp}.old`;
        renameSync(t.final, backup);
      }
      done.push({ final: t.final, backup });
      renameSync(t.tmp, t.final);
    }
  } catch (err) {
    for (const d of done.reverse()) {
      rmSync(d.final, { force: true });
      if (d.backup) renameSync(d.backup, d.final);
    }
    throw err;
  }
  for (const d of done) if (d.backup) rmSync(d.backup, { force: true });
}

function isDirectory(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function existsSync(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

export async function exists(p: string): Promise<boolean> {
  return existsSync(p);
}

/**
 * Reads a text input file, turning "not found" and "permission denied" into errors that name the
 * file and what it was for (`what`, e.g. "--ca-cert" or "RAY_TLS_CA_CERT").
 */
export async function readInputFile(file: string, what: string): Promise<string> {
  return readInputFileSync(file, what);
}

export function readInputFileSync(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : describeCause(err);
    throw new RaytlsError("input-file", `${what}: cannot read ${file}: ${why}`, {
      hint: code === "ENOENT" ? `check the path given for ${what}` : `check the permissions of ${file}`,
      cause: err,
    });
  }
}
