/**
 * Refusals past a rate become counts (issue 13): unauthenticated 401s were logged at about 3,900
 * lines/s with no bound, so the audit log could be used to fill the disk.
 *
 * Windows are fixed (`windowMs`, aligned to when the sink started). In each window the first
 * `perSource` refusals and errors from one address are logged one by one, and at most `total` from
 * all addresses; the rest are counted, and when the window ends each address with a count gets
 * one line:
 *   {"time":END,"peerIp":"10.0.0.7","decision":"summary","count":3890,"statuses":{"401":3890},
 *    "since":START,"reason":"3890 refusals from this address not logged one by one"}
 * At most `maxSources` addresses are tracked per window; the rest share one summary line with
 * peerIp "*". So a window holds at most total + maxSources + 1 refusal lines, whatever arrives.
 * Issued certificates pass straight through: every one is a line of its own.
 */
import type { AuditRecord, AuditSink } from "./audit.js";

export interface AuditRateOptions {
  /** Default is 10 000 ms. */
  windowMs?: number;
  /** Refusals from one address logged one by one per window. Default is 10. */
  perSource?: number;
  /** Refusals from all addresses logged one by one per window. Default is 200. */
  total?: number;
  /** Addresses counted one by one per window; beyond, they share the "*" line. Default is 256. */
  maxSources?: number;
  /** Default is Date.now. */
  now?: () => number;
}

interface SourceWindow {
  logged: number;
  suppressed: number;
  statuses: Record<string, number>;
}

/** Counts one refusal not logged; by HTTP status, or "connection" for a connection closed at once. */
function count(w: SourceWindow, r: AuditRecord): void {
  const key = r.status === undefined ? "connection" : String(r.status);
  w.suppressed++;
  w.statuses[key] = (w.statuses[key] ?? 0) + 1;
}

export function summarizingAuditSink(inner: AuditSink, o: AuditRateOptions = {}): AuditSink {
  const windowMs = o.windowMs ?? 10_000;
  const perSource = o.perSource ?? 10;
  const total = o.total ?? 200;
  const maxSources = o.maxSources ?? 256;
  const now = o.now ?? Date.now;
  let since = now();
  let loggedInWindow = 0;
  let sources = new Map<string, SourceWindow>();

  const flush = (end: number): void => {
    for (const [peerIp, w] of sources) {
      if (!w.suppressed) continue;
      inner.write({
        time: new Date(end).toISOString(),
        peerIp,
        decision: "summary",
        count: w.suppressed,
        statuses: w.statuses,
        since: new Date(since).toISOString(),
        reason: `${w.suppressed} refusals from ${peerIp === "*" ? "other addresses" : "this address"} not logged one by one`,
      });
    }
    sources = new Map();
    loggedInWindow = 0;
    since = end;
  };
  // A timer, not the next record, ends a window: a flood that stops still gets its summary line.
  const timer = setInterval(() => flush(now()), windowMs);
  timer.unref();

  return {
    write(r) {
      if (r.decision === "issued" || r.decision === "summary") return inner.write(r);
      let w = sources.get(r.peerIp);
      if (!w) {
        const key = sources.size < maxSources ? r.peerIp : "*";
        w = sources.get(key) ?? { logged: 0, suppressed: 0, statuses: {} };
        sources.set(key, w);
        if (key === "*") return count(w, r);
      }
      if (w.logged < perSource && loggedInWindow < total) {
        w.logged++;
        loggedInWindow++;
        return inner.write(r);
      }
      count(w, r);
    },
    async close() {
      clearInterval(timer);
      flush(now());
      await inner.close();
    },
    ...(inner.failure ? { failure: () => inner.failure!() } : {}),
  };
}
