/**
 * gRPC status codes (grpc/doc/statuscodes.md), without loading grpc-js: the health-check path
 * avoids grpc-js' ~60 ms load time (see h2-unary-client.ts). Same numbers as grpc-js' `status`.
 */
export const GRPC_STATUS = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const NAMES = Object.fromEntries(Object.entries(GRPC_STATUS).map(([k, v]) => [v, k])) as Record<number, string>;

export function statusName(code: number | undefined): string {
  return code === undefined ? "UNKNOWN" : (NAMES[code] ?? String(code));
}

/**
 * A failed call: the gRPC status code and its details text. A plain Error on purpose, not a
 * RaytlsError: it has grpc-js' ServiceError shape (a numeric `code`, `details`), so health-check
 * reads a failure of either client alike, and it never reaches a user as such: health-check turns
 * it into its diagnosis.
 */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(`${code} ${statusName(code)}: ${details}`);
  }
}
