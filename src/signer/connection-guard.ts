/**
 * Who may hold the signer's connections (issue 13): 4,500 idle TCP connections from one address
 * made 24 of 31 requests from a good client fail, because the only cap was global. Now:
 *
 * - at most `perSource` open connections per source address;
 * - once fewer than `reserved` of the global `max` are free, an address that already holds
 *   `perSourceWhenBusy` gets no more: the last slots stay for addresses that hold few;
 * - every connection must bring one whole request within `budgetMs` of being accepted (TLS
 *   handshake, headers and body together), or it is closed. Node's own timeouts (handshake,
 *   headers, idle) still apply inside that budget.
 *
 * A connection over a limit is closed at once, before any TLS work. The accounting is by the
 * address as the kernel reports it (IPv4-mapped IPv6 read as IPv4), the same address the IP SAN
 * policy uses.
 */
import type { Socket } from "node:net";
import { normalizePeerIp } from "./policy.js";

export interface ConnectionLimits {
  /** All open connections. Default is 4096. */
  max?: number;
  /** Open connections from one address. Default is 128 (the benchmark opens 64 from one). */
  perSource?: number;
  /** Slots kept for addresses holding fewer than perSourceWhenBusy. Default is max / 8. */
  reserved?: number;
  /** Default is 8. */
  perSourceWhenBusy?: number;
  /** From accept to a whole request. Default is 10 000 ms. */
  budgetMs?: number;
  /** Told of each connection closed at once, with why (the audit log counts them). */
  onRefuse?: (ip: string, reason: string) => void;
}

export interface ConnectionGuard {
  /** Counts `socket` and arms its budget, or closes it at once; true when admitted. */
  admit(socket: Socket): boolean;
  /** The socket's request has arrived whole: its budget no longer applies. */
  served(socket: Socket): void;
  /** Closes every admitted connection (the server is stopping). */
  closeAll(): void;
  /** Open connections per address (tests, diagnostics). */
  open(): ReadonlyMap<string, number>;
  /** Connections closed at once for a limit since the start. */
  refused(): number;
}

export function connectionGuard(o: ConnectionLimits = {}): ConnectionGuard {
  const max = o.max ?? 4096;
  const perSource = o.perSource ?? 128;
  const reserved = o.reserved ?? Math.floor(max / 8);
  const whenBusy = o.perSourceWhenBusy ?? 8;
  const budgetMs = o.budgetMs ?? 10_000;
  const bySource = new Map<string, number>();
  // Keyed by the remote address and port, which the raw TCP socket (seen at accept) and the TLS
  // socket wrapped around it (seen with the request) both report.
  const budgets = new Map<string, NodeJS.Timeout>();
  const admitted = new Set<Socket>();
  const key = (s: Socket) => `${s.remoteAddress}:${s.remotePort}`;
  let total = 0;
  let refused = 0;

  return {
    admit(socket) {
      const ip = normalizePeerIp(socket.remoteAddress ?? "");
      const held = bySource.get(ip) ?? 0;
      const full =
        total >= max ? `all ${max} connections are open` :
        held >= perSource ? `${held} connections are open from this address (at most ${perSource})` :
        total >= max - reserved && held >= whenBusy ? `the last ${reserved} of ${max} connections are kept for addresses holding fewer than ${whenBusy}` :
        undefined;
      if (full) {
        refused++;
        socket.destroy();
        o.onRefuse?.(ip, `connection closed at once: ${full}`);
        return false;
      }
      total++;
      bySource.set(ip, held + 1);
      const budget = setTimeout(() => socket.destroy(), budgetMs);
      budget.unref();
      const k = key(socket);
      budgets.set(k, budget);
      admitted.add(socket);
      socket.once("close", () => {
        admitted.delete(socket);
        clearTimeout(budget);
        budgets.delete(k);
        total--;
        const n = (bySource.get(ip) ?? 1) - 1;
        if (n > 0) bySource.set(ip, n);
        else bySource.delete(ip);
      });
      return true;
    },
    served(socket) {
      clearTimeout(budgets.get(key(socket)));
    },
    closeAll() {
      for (const s of admitted) s.destroy();
    },
    open: () => bySource,
    refused: () => refused,
  };
}
