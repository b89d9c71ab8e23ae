/**
 * HTTP/2 flow-control sizes for raytls's gRPC servers and its own client (health-check, bench).
 * Node's defaults (64 KiB windows, 16 KiB frames) make a multi-MiB message stall on WINDOW_UPDATE
 * round trips and cross the TLS layer in 16 KiB pieces; gRPC C-core, which Ray uses, grows its
 * windows by BDP probing instead. Measured on this machine with raw Node http2 (16 MiB each way,
 * two processes): mTLS/plaintext 0.59 with 16 KiB frames, 0.76 with 1 MiB frames on both sides.
 */
export const FLOW_CONTROL_WINDOW = 16 * 1024 * 1024;
export const MAX_FRAME_SIZE = 1024 * 1024;
