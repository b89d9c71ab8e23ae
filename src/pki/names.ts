/**
 * Host names and IP addresses as they go into, and come out of, subjectAltName.
 */
import { isIPv4, isIPv6 } from "node:net";
import { RaytlsError } from "../errors.js";

/** RFC 1123 host name, optionally a wildcard in the first label; no trailing dot; at most 253 chars. */
export function isDnsName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  const labels = s.split(".");
  return labels.every((label, i) => {
    if (i === 0 && label === "*" && labels.length > 1) return true;
    return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(label);
  });
}

export function isIp(s: string): boolean {
  return ipVersion(s) !== 0;
}

/** `where` names the input (an option path such as `dns[1]`, or a flag) and becomes the error's `field`. */
export function checkDnsName(s: string, where: string): string {
  const v = s.trim();
  if (isIp(v)) {
    throw new RaytlsError("ip-as-dns", `${where}: "${s}" is an IP address, not a DNS name`, {
      hint: "pass IP addresses as IP SANs (--ip, or `ips` in the library): gRPC matches an IP target against IP SANs as text",
      field: where,
    });
  }
  if (!isDnsName(v)) {
    throw new RaytlsError("bad-dns-name", `${where}: "${s}" is not a valid DNS name`, {
      hint: "use letters, digits and hyphens in dot-separated labels, e.g. raycluster-tls-head-svc.default.svc.cluster.local",
      field: where,
    });
  }
  return v.toLowerCase();
}

export function checkIp(s: string, where: string): string {
  const v = s.trim().replace(/^\[(.*)\]$/, "$1");
  if (!isIp(v)) {
    throw new RaytlsError("bad-ip", `${where}: "${s}" is not a valid IP address`, {
      hint: "write an IPv4 address like 10.244.0.5 or an IPv6 address like fd00::5",
      field: where,
    });
  }
  return ipToText(ipToBytes(v));
}

export function ipToBytes(ip: string): Uint8Array {
  if (isIPv4(ip)) return Uint8Array.from(ip.split(".").map(Number));
  const v = ip.replace(/^\[(.*)\]$/, "$1");
  let head = v;
  let tail = "";
  const dbl = v.indexOf("::");
  if (dbl >= 0) {
    head = v.slice(0, dbl);
    tail = v.slice(dbl + 2);
  }
  const groups = (part: string): number[] => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (g.includes(".")) {
        const b = g.split(".").map(Number);
        out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  const all = dbl >= 0 ? [...h, ...new Array(8 - h.length - t.length).fill(0), ...t] : h;
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * IP address bytes as text, the way gRPC C-core renders an iPAddress SAN before comparing it with
 * the dialed host (inet_ntop: dotted IPv4; lower-case IPv6 with the longest run of two or more zero
 * groups compressed; ray-tls-facts.md section 3).
 */
export function ipToText(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join(".");
  if (b.length !== 16) return Buffer.from(b).toString("hex");
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // glibc's inet_ntop prints the last 32 bits dotted only for ::a.b.c.d (exactly six leading zero
  // groups) and ::ffff:a.b.c.d; so ::1 and ::2 stay hex.
  if (bestStart === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
    const v4 = `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    return bestLen === 6 ? `::${v4}` : `::ffff:${v4}`;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestLen < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/**
 * Like net.isIP (0, 4 or 6), but a name without ':' never reaches Node's IPv6 regular expression,
 * whose first use costs about 5 ms: health-check's cold start is a measured target (issue #3).
 */
export function ipVersion(host: string): 0 | 4 | 6 {
  if (host.includes(":")) return isIPv6(host) ? 6 : 0;
  return isIPv4(host) ? 4 : 0;
}
