/**
 * `raytls/experimental`: the parts of raytls that reach into @grpc/grpc-js's private members.
 *
 * Unstable, and kept out of the main entry point (issue 12) for that reason: grpc-js documents
 * none of what these rely on, so a grpc-js minor or patch release may break them without notice.
 * raytls pins grpc-js through its lock file and its tests cover both uses; a program that imports
 * this module gets whatever grpc-js version its own install resolves, and no semver promise.
 * - `RayChannelCredentials` subclasses `ChannelCredentials` and overrides the private
 *   `_createSecureConnector` (grpc-js 1.14), to dial as Ray does: no IP in SNI, the peer name
 *   checked by gRPC C-core's rules (src/ray/ray-channel-credentials.ts says why).
 * - `startHead` and `startWorker` serve through grpc-js servers whose HTTP/2 windows are widened
 *   through the private `http2Servers` map (src/ray/bind-server.ts); the worker also dials its
 *   head with `RayChannelCredentials`.
 * The raytls CLI uses them internally (`raytls node`, `raytls lab`, `raytls demo`).
 */
export { RayChannelCredentials } from "./ray/ray-channel-credentials.js";
export { startHead, type ExtraService, type HeadOptions, type RunningHead } from "./ray/head-node.js";
export { startWorker, headAddressFromEnv, type WorkerOptions, type RunningWorker } from "./ray/worker-node.js";
export type { ClientTls } from "./ray/client-tls.js";
