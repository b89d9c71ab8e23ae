/**
 * /proc/PID/stat, read one way for everyone who needs it (Linux): the lab (a pod's process group,
 * zombies), the bench (CPU time and page faults of Ray's processes, the signer's CPU). A process
 * utility, not part of any layer, like package-root.ts.
 */
import { readFileSync } from "node:fs";
import { RaytlsError } from "../errors.js";

export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie), T, ... (proc(5) field 3). */
  state: string;
  /** Process group (field 5): a lab pod's processes share the group of its first process. */
  pgrp: number;
  /** The kernel's name for it (at most 15 bytes; Ray's workers set it to `ray::<what>`). */
  comm: string;
  /** Minor page faults (a page mapped without disk I/O: first touch of fresh memory). */
  minflt: number;
  /** User and system CPU, in clock ticks (sysconf(_SC_CLK_TCK) per second). */
  utime: number;
  stime: number;
}

/**
 * One /proc/PID/stat line. The name sits in parentheses and may itself hold spaces and
 * parentheses, so the fields are counted from the LAST ")" (as procps does): state is field 3,
 * pgrp 5, minflt 10, utime and stime 14 and 15 of proc(5). Anything else is an error naming the file.
 */
export function parseProcStat(text: string, where: string): ProcStat {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const bad = (why: string) => new RaytlsError("bad-proc-stat", `${where}: ${why}`, { kind: "check", hint: "the file should be one line as proc(5) describes /proc/PID/stat" });
  if (text.length > 4096) throw bad("longer than a stat line can be");
  if (open < 1 || close < open) throw bad("no (name) field");
  const pid = Number(text.slice(0, open).trim());
  if (!Number.isInteger(pid) || pid <= 0) throw bad("the first field is not a process id");
  // Fields after the name, from field 3: state 3, pgrp 5, minflt 10, utime 14, stime 15.
  const rest = text.slice(close + 1).trim().split(/\s+/);
  if (rest.length < 13) throw bad(`only ${rest.length + 2} fields, utime and stime are fields 14 and 15`);
  const [minflt, utime, stime] = [rest[7]!, rest[11]!, rest[12]!].map((f) => (/^\d{1,18}$/.test(f) ? Number(f) : NaN));
  if (!Number.isSafeInteger(minflt) || !Number.isSafeInteger(utime) || !Number.isSafeInteger(stime)) throw bad("minflt, utime or stime is not a whole number");
  const pgrp = /^\d{1,10}$/.test(rest[2]!) ? Number(rest[2]) : NaN;
  if (!/^[A-Za-z]$/.test(rest[0]!) || !Number.isSafeInteger(pgrp)) throw bad("the state or process group field is malformed");
  return { pid, comm: text.slice(open + 1, close), state: rest[0]!, pgrp, minflt: minflt!, utime: utime!, stime: stime! };
}

/** `/proc/PID/stat` of a live process, or undefined when there is none (exited, or not Linux). */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Empty when the process is reaped while being read: gone, as above.
  return text ? parseProcStat(text.trim(), `/proc/${pid}/stat`) : undefined;
}
