/**
 * Validity in days, checked once for the library and the CLI alike (issue 12: one days-range
 * check). Kept apart from ca.ts so option parsing does not load the CA code.
 */
import { RaytlsError } from "../errors.js";

/** The one days-range check (library and CLI): a whole number of days, 1 to 36500. */
export function checkDays(days: number, where = "days"): number {
  if (!Number.isInteger(days) || days <= 0 || days > 36500) {
    throw new RaytlsError("bad-days", `${where}: ${days} is not between 1 and 36500`, {
      hint: "pass a positive whole number of days, e.g. 365",
      field: where,
    });
  }
  return days;
}
