/** One subjectAltName entry as raytls writes and reports it. */
export interface San {
  type: "dns" | "ip" | "uri" | "email";
  value: string;
}

/** "DNS:localhost", "IP:127.0.0.1": the notation of openssl's `-ext subjectAltName` output. */
export function formatSan(s: San): string {
  const prefix = { dns: "DNS", ip: "IP", uri: "URI", email: "email" }[s.type];
  return `${prefix}:${s.value}`;
}

export function formatSans(list: San[]): string {
  return list.length ? list.map(formatSan).join(", ") : "(none)";
}
