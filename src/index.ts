/** The curated public API of raytls (the CLI is built on exactly this). */
export { RaytlsError } from "./errors.js";
