/** Option parsers shared by the verbs: each error names the flag and how to fix it (exit 2). */
import { Option, type Command } from "commander";
import { RaytlsError } from "../errors.js";
import { checkDays } from "../pki/days.js";

/** Repeatable flags (`--dns a --dns b`). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function parseDays(value: string, flag = "--days"): number {
  if (!/^-?\d+$/.test(value.trim())) {
    throw new RaytlsError("bad-days", `${flag}: "${value}" is not a whole number of days`, { hint: `e.g. ${flag} 365` });
  }
  return checkDays(Number(value), flag);
}

/** A number in [min, max] (whole when `whole`), for limits such as `--token-rate 10`. */
export function parseNumber(value: string, flag: string, o: { min: number; max: number; whole?: boolean; example: string }): number {
  const n = Number(value.trim());
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || (o.whole && !Number.isInteger(n)) || n < o.min || n > o.max) {
    throw new RaytlsError("bad-number", `${flag}: "${value}" is not a ${o.whole ? "whole number" : "number"} from ${o.min} to ${o.max}`, { hint: `e.g. ${flag} ${o.example}` });
  }
  return n;
}

export function parseTime(value: string, flag = "--at"): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) {
    throw new RaytlsError("bad-time", `${flag}: "${value}" is not an ISO time`, { hint: `e.g. ${flag} 2027-01-31T12:00:00Z` });
  }
  return d;
}

/** "2027-11-28" (and the days left), for "where files went and when they expire". */
export function expiry(d: Date, now = new Date()): string {
  const days = Math.round((d.getTime() - now.getTime()) / 86_400_000);
  return `${d.toISOString().slice(0, 10)} (in ${days} days)`;
}

/**
 * An option's old spelling, kept working but hidden from --help (issue 11: one meaning per flag
 * name across verbs). Using it prints a one-line note on stderr and sets the new option; giving
 * both is bad usage. `required` makes the new option mandatory once the old one is accounted for
 * (commander's own check would run before the old spelling is mapped).
 */
export function renamedOption(
  cmd: Command,
  ctx: { err(text: string): void },
  old: string,
  current: string,
  o: { required?: boolean; repeatable?: boolean } = {},
): Command {
  const oldOpt = new Option(old).hideHelp();
  if (o.repeatable) oldOpt.argParser(collect).default(undefined);
  cmd.addOption(oldOpt);
  const oldName = oldOpt.long!;
  const newOpt = cmd.options.find((x) => x.long === current);
  if (!newOpt) {
    throw new RaytlsError("internal", `renamedOption: ${current} is not an option of raytls ${cmd.name()}`, {
      kind: "check",
      hint: `this is a bug in raytls: declare ${current} on the command before renamedOption(..., "${old}", "${current}")`,
    });
  }
  cmd.hook("preAction", (_program, action) => {
    if (action !== cmd) return;
    const oldValue = action.getOptionValue(oldOpt.attributeName());
    const newKey = newOpt.attributeName();
    if (oldValue !== undefined) {
      if (action.getOptionValueSource(newKey) === "cli") {
        throw new RaytlsError("bad-usage", `${oldName} and ${current} are the same option; give it once`, { hint: `use ${current} (${oldName} is its old name)` });
      }
      ctx.err(`note: ${oldName} is deprecated in \`raytls ${commandPath(cmd)}\`; use ${current}\n`);
      action.setOptionValueWithSource(newKey, oldValue, "cli");
    }
    if (o.required && action.getOptionValue(newKey) === undefined) {
      throw new RaytlsError("missing-option", `required option '${newOpt.flags}' not specified`, { hint: `run raytls ${commandPath(cmd)} --help for usage and examples` });
    }
  });
  return cmd;
}

/** "csr sign", "lab up": the words that run `cmd`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** A TCP port; 0 (the kernel picks a free one) only where the caller allows it. */
export function parsePort(value: string, flag = "--port", o: { allowZero?: boolean } = {}): number {
  const n = /^\d{1,5}$/.test(value.trim()) ? Number(value) : NaN;
  const min = o.allowZero ? 0 : 1;
  if (!Number.isInteger(n) || n < min || n > 65535) {
    throw new RaytlsError("bad-port", `${flag}: "${value}" is not a port number (${min}-65535)`, {
      hint: `e.g. ${flag} 6379${o.allowZero ? `, or ${flag} 0 for any free port` : ""}`,
    });
  }
  return n;
}

/** `--workers N` for lab up and demo: a whole number in 1..max, with the reason for the minimum. */
export function parseWorkers(value: string, max: number): number {
  const n = /^\d{1,3}$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new RaytlsError("bad-workers", `--workers: "${value}" is not a whole number from 1 to ${max}`, {
      hint: `a lab needs at least one worker pod (Step 4 runs from a worker, and the head dials workers back); e.g. --workers 2`,
    });
  }
  return n;
}
