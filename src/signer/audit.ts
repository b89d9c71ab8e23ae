/**
 * The signer's audit log: one JSON line per decision, issued or refused, with why. Never key
 * material, tokens or the CSR: names, serial and validity only. Refusals from one address past a
 * rate are folded into one summary line per window (audit-summary.ts), so a flood cannot fill
 * the disk; an issued certificate is always a line of its own.
 */
import { constants as fsc, promises as fsp } from "node:fs";
import path from "node:path";
import { RaytlsError, describeCause } from "../errors.js";

export interface AuditRecord {
  time: string;
  peerIp: string;
  /** The role the token granted (absent when the token was bad). */
  role?: string;
  /** The role the request asked for. */
  requestedRole?: string;
  /**
   * "issued" (a certificate was signed), "refused" (4xx), "error" (5xx: the signer failed), or
   * "summary" (refusals from `peerIp` not logged one by one: `count`, `statuses`, `since`).
   */
  decision: "issued" | "refused" | "error" | "summary";
  /** HTTP status sent back (absent on a summary line, and for a connection closed at once). */
  status?: number;
  /** "DNS:localhost", "IP:10.0.0.5": issued names, or the names asked for when refused. */
  sans?: string[];
  serial?: string;
  notAfter?: string;
  /**
   * Issued only: false when the connection closed before the response was written (the client
   * never got the certificate; it is logged all the same, since it was signed).
   */
  delivered?: boolean;
  /** Why it was refused (the same text the client gets). */
  reason?: string;
  /** Summary only: refusals folded into this line, in all and per HTTP status. */
  count?: number;
  statuses?: Record<string, number>;
  /** Summary only: start of the window the count covers (`time` is its end). */
  since?: string;
}

export function auditLine(r: AuditRecord): string {
  return JSON.stringify(r) + "\n";
}

export interface AuditSink {
  write(r: AuditRecord): void;
  close(): Promise<void>;
  /** Why the sink can no longer record (a write failed), or undefined. The signer then issues nothing. */
  failure?(): string | undefined;
}

/**
 * Appends to `file`, created 0600. Opened with O_NOFOLLOW: a symbolic link at the path is refused
 * (else whoever can write the directory could point the signer's appends at any file it can
 * write). An existing file must be a regular file with one link; a wider mode than 0600 is set back
 * to 0600 through the open descriptor (`notice` says so). Each record is one write, so lines never
 * interleave.
 */
export async function fileAuditSink(file: string): Promise<AuditSink & { notice?: string }> {
  const fail = (what: string, hint: string, cause?: unknown): never => {
    throw new RaytlsError("audit-log", `--audit-log: ${file}: ${what}`, { hint, ...(cause ? { cause } : {}) });
  };
  let handle: fsp.FileHandle;
  try {
    await fsp.mkdir(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
    // O_NONBLOCK: a FIFO at the path must not hang the start (it is refused below); no effect on files.
    handle = await fsp.open(file, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT | fsc.O_NOFOLLOW | fsc.O_NONBLOCK, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP") return fail("is a symbolic link; the audit log is never opened through one", "pass the real path of the log file (or remove the link)", err);
    return fail(`cannot open: ${describeCause(err)}`, "pass a writable path (in a container with a read-only root, a volume), or - for stdout", err);
  }
  let notice: string | undefined;
  try {
    const st = await handle.stat();
    if (!st.isFile()) fail("is not a regular file", "pass the path of a regular file (or a new one), or - for stdout");
    if (st.nlink > 1) fail(`has ${st.nlink} hard links; the audit log must be a file of its own`, "pass a new path, or remove the other links");
    const mode = st.mode & 0o777;
    if (mode !== 0o600) {
      await handle.chmod(0o600).catch((err) => fail(`has mode ${mode.toString(8).padStart(4, "0")} and it cannot be set to 0600: ${describeCause(err)}`, "run the signer as the file's owner, or pass a new path", err));
      notice = `the audit log ${file} had mode ${mode.toString(8).padStart(4, "0")}; it is now 0600`;
    }
  } catch (err) {
    await handle.close();
    throw err;
  }
  const stream = handle.createWriteStream();
  let failed: string | undefined;
  stream.on("error", (err) => void (failed ??= `the audit log ${file} cannot be written: ${describeCause(err)}`));
  const sink = streamAuditSink(stream, () => new Promise<void>((resolve) => (failed ? resolve() : stream.end(resolve))));
  return { ...sink, failure: () => failed, ...(notice ? { notice } : {}) };
}

export function streamAuditSink(stream: { write(s: string): unknown }, close: () => Promise<void> = async () => undefined): AuditSink {
  return { write: (r) => void stream.write(auditLine(r)), close };
}

/** Keeps records in memory (tests, benchmarks). */
export function memoryAuditSink(): AuditSink & { records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return { records, write: (r) => void records.push(r), close: async () => undefined };
}
