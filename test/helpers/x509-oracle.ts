/**
 * @peculiar/x509 on Node's WebCrypto, as an independent second reader in tests (a devDependency
 * since issue 12: raytls itself reads and writes DER with its own reader and writer). Its
 * dependency injection (tsyringe) needs the Reflect metadata polyfill loaded first.
 */
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the DOM Crypto type is not in this project's lib
x509.cryptoProvider.set(webcrypto as any);

export { x509 };
