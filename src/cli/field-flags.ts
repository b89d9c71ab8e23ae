/**
 * The library names the input at fault by its option path (`dns[1]`, `ips[0]`, `days`: STYLE.md
 * rule 5); a CLI user typed a flag. This table says which flag each option comes from, and
 * `inCliTerms` rewrites an error's leading field into it before the error is printed, so
 * `raytls pod-cert --dns 'bad name!'` says `--dns` while `issuePodCert({ dns: [...] })` says `dns[0]`.
 * One table for every verb: the verbs use one flag per option name (issue 11).
 */
import { RaytlsError } from "../errors.js";

export const FIELD_FLAGS: Readonly<Record<string, string>> = {
  role: "--role",
  podIp: "--pod-ip",
  headFqdn: "--head-fqdn",
  dns: "--dns",
  ips: "--ip",
  days: "--days",
  subject: "--subject",
  keyType: "--key-type",
  address: "--address",
  url: "--signer",
  headDns: "--head-dns",
  workerGroups: "--worker-group",
  rayVersion: "--ray-version",
  image: "--image",
};

/**
 * The flag for an option path: `dns[1]` -> `--dns` (the message quotes the value, which says which
 * of several `--dns` it was), `workerGroups[0].name` -> `--worker-group`; undefined when the path
 * is not an option the CLI passes through (a flag already, a file name).
 */
export function flagFor(field: string): string | undefined {
  // Only an option path (`name`, `name[1]`, `name[0].sub`): a file such as `dns.csr` is not the option `dns`.
  const base = /^([A-Za-z]+)(\[\d+\](\.[A-Za-z]+)*)?$/.exec(field)?.[1];
  return base !== undefined && Object.hasOwn(FIELD_FLAGS, base) ? FIELD_FLAGS[base] : undefined;
}

/** The same error, with its leading option path replaced by the CLI flag; unchanged when there is none. */
export function inCliTerms(err: RaytlsError): RaytlsError {
  const flag = err.field === undefined ? undefined : flagFor(err.field);
  if (flag === undefined || !err.message.startsWith(`${err.field}:`)) return err;
  const mapped = new RaytlsError(err.code, `${flag}:${err.message.slice(err.field!.length + 1)}`, {
    ...(err.hint !== undefined ? { hint: err.hint } : {}),
    ...(err.cause !== undefined ? { cause: err.cause } : {}),
    kind: err.kind,
    ...(err.signal ? { signal: err.signal } : {}),
    field: flag,
  });
  if (err.stack) mapped.stack = err.stack;
  return mapped;
}
