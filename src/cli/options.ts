/** Option parsers shared by the verbs: each error names the flag and how to fix it (exit 2). */
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
