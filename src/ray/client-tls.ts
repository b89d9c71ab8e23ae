/** A Ray process's TLS material, loaded: its own certificate and key, and the CA it trusts. */
export interface ClientTls {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}
