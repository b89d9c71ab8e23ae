/**
 * The signer's audit log: one JSON line per decision, issued or refused, with why. Never key
 * material, tokens or the CSR: names, serial and validity only.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { RaytlsError, describeCause } from "../errors.js";

export interface AuditRecord {
  time: string;
  peerIp: string;
  /** The role the token granted (absent when the token was bad). */
  role?: string;
  /** The role the request asked for. */
  requestedRole?: string;
  decision: "issued" | "refused";
  /** HTTP status sent back. */
  status: number;
  /** "DNS:localhost", "IP:10.0.0.5": issued names, or the names asked for when refused. */
  sans?: string[];
  serial?: string;
  notAfter?: string;
  /** Why it was refused (the same text the client gets). */
  reason?: string;
}

export function auditLine(r: AuditRecord): string {
  return JSON.stringify(r) + "\n";
}

export interface AuditSink {
  write(r: AuditRecord): void;
  close(): Promise<void>;
}

/** Appends to `file` (created 0600); each record is one write, so lines never interleave. */
export async function fileAuditSink(file: string): Promise<AuditSink> {
  try {
    await fsp.mkdir(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
    const handle = await fsp.open(file, "a", 0o600);
    await handle.close();
  } catch (err) {
    throw new RaytlsError("audit-log", `--audit-log: cannot open ${file}: ${describeCause(err)}`, {
      hint: "pass a writable path (in a container with a read-only root, a volume), or - for stdout",
      cause: err,
    });
  }
  const stream: WriteStream = createWriteStream(file, { flags: "a", mode: 0o600 });
  return streamAuditSink(stream, () => new Promise<void>((resolve) => stream.end(resolve)));
}

export function streamAuditSink(stream: { write(s: string): unknown }, close: () => Promise<void> = async () => undefined): AuditSink {
  return { write: (r) => void stream.write(auditLine(r)), close };
}

/** Keeps records in memory (tests, benchmarks). */
export function memoryAuditSink(): AuditSink & { records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return { records, write: (r) => void records.push(r), close: async () => undefined };
}
