/**
 * Names as they go into subjectAltName (src/pki/names.ts, src/pki/pod-identity.ts) and as gRPC
 * C-core compares them (src/pki/peer-name.ts, ray-tls-facts.md section 3): unit vectors. The
 * end-to-end matrix against a real C-core handshake is test/pki/peer-name-grpc-core.test.ts.
 */
import { describe, expect, it } from "vitest";
import { RaytlsError } from "../../src/errors.js";
import { checkDnsName, checkIp, ipToBytes, ipToText, isDnsName, isIp } from "../../src/pki/names.js";
import { entryMatchesName, looksLikeIp, matchPeerName, peerHost } from "../../src/pki/peer-name.js";
import { parseRole, podSans } from "../../src/pki/pod-identity.js";

const b = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, "hex"));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RaytlsError);
    return (err as RaytlsError).code;
  }
  return undefined;
}

describe("isDnsName", () => {
  it.each([
    "localhost",
    "raycluster-tls-head-svc.default.svc.cluster.local",
    "a",
    "A.Example.COM",
    "*.example.com",
    "*.svc",
    "xn--bcher-kva.example",
    "1.2.3.4",
    "a".repeat(63) + ".com",
    ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join("."), // 253
  ])("accepts %s", (s) => {
    expect(isDnsName(s)).toBe(true);
  });

  it.each([
    "",
    "*",
    "a.*.com",
    "*a.com",
    "-a.com",
    "a-.com",
    "a..b",
    ".a.com",
    "a.com.",
    "a_b.com",
    "bad_name!",
    "a b",
    "a".repeat(64) + ".com",
    ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(62)].join("."), // 254
  ])("refuses %j", (s) => {
    expect(isDnsName(s)).toBe(false);
  });
});

describe("checkDnsName", () => {
  it("trims and lower-cases", () => {
    expect(checkDnsName("  Head.Default.SVC ", "--dns")).toBe("head.default.svc");
  });

  it("an IP address is refused with its own code and a hint towards --ip", () => {
    for (const ip of ["10.0.0.1", "fd00::1", "::ffff:10.0.0.1"]) {
      expect(codeOf(() => checkDnsName(ip, "--dns"))).toBe("ip-as-dns");
    }
    try {
      checkDnsName("10.0.0.1", "--dns");
    } catch (err) {
      expect((err as RaytlsError).message).toBe('--dns: "10.0.0.1" is an IP address, not a DNS name');
      expect((err as RaytlsError).hint).toMatch(/--ip/);
      expect((err as RaytlsError).exitCode).toBe(2);
    }
  });

  it("an invalid name is refused, naming the flag", () => {
    expect(codeOf(() => checkDnsName("bad..name", "--head-fqdn"))).toBe("bad-dns-name");
    expect(() => checkDnsName("bad..name", "--head-fqdn")).toThrow('--head-fqdn: "bad..name" is not a valid DNS name');
  });
});

describe("checkIp and ipToText (inet_ntop's text, what gRPC C-core compares)", () => {
  it.each([
    ["10.0.0.1", "10.0.0.1"],
    [" 10.244.0.5 ", "10.244.0.5"],
    ["fd00:0:0:0:0:0:0:1", "fd00::1"],
    ["FD00::0001", "fd00::1"],
    ["[fd00::5]", "fd00::5"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // first of two equal runs
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // the longer run wins
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group is not compressed
    ["1:0:0:0:0:0:0:0", "1::"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["::1", "::1"],
    ["::ffff:10.0.0.1", "::ffff:10.0.0.1"],
    ["::ffff:a00:1", "::ffff:10.0.0.1"],
    ["0:0:0:0:0:ffff:0:0", "::ffff:0.0.0.0"],
    ["::1.2.3.4", "::1.2.3.4"],
    ["fe80::ffff:a00:1", "fe80::ffff:a00:1"],
    ["::ffff:0:1.2.3.4", "::ffff:0:102:304"],
  ])("checkIp(%j) = %s", (input, want) => {
    expect(checkIp(input, "--ip")).toBe(want);
  });

  it.each(["10.0.0.300", "1.2.3", "fd00:::1", "not-an-ip", "", "01.2.3.4", "10.0.0.1/24"])("checkIp(%j) is refused with bad-ip", (input) => {
    expect(codeOf(() => checkIp(input, "--ip"))).toBe("bad-ip");
  });

  it.each([
    ["0a000001", "10.0.0.1"],
    ["ffffffff", "255.255.255.255"],
    ["fd000000000000000000000000000001", "fd00::1"],
    ["20010db8000000000001000000000001", "2001:db8::1:0:0:1"],
    ["20010db8000000010000000000000000", "2001:db8:0:1::"],
    ["00010000000000000000000000000000", "1::"],
    ["00000000000000000000000000000000", "::"],
    ["00000000000000000000000000000001", "::1"],
    ["00000000000000000000ffff0a000001", "::ffff:10.0.0.1"],
    ["00000000000000000000000001020304", "::1.2.3.4"],
    ["00000000000000000000000000010203", "::0.1.2.3"],
    ["fe800000000000000000ffff0a000001", "fe80::ffff:a00:1"],
    ["20010DB8ABCD00000000000000000000".toLowerCase(), "2001:db8:abcd::"],
    ["0102", "0102"], // neither 4 nor 16 bytes: hex, so nothing can match it by accident
  ])("ipToText(%s) = %s", (h, want) => {
    expect(ipToText(b(h))).toBe(want);
  });

  // Regression test, fixed (src/pki/names.ts ipToText): glibc's inet_ntop (which gRPC C-core uses to render an IP SAN)
  // prints the IPv4-compatible form only when exactly six leading groups are zero; with seven zero
  // groups it prints plain hex. Checked here with Python's socket.inet_ntop (glibc):
  // ::2 -> "::2", ::102 -> "::102". raytls prints "::0.0.0.2" and "::0.0.1.2", so its peer-name
  // verdict for such an IP SAN would differ from C-core's.
  it.each([
    ["00000000000000000000000000000002", "::2"],
    ["00000000000000000000000000000102", "::102"],
  ])("ipToText(%s) = %s, as glibc inet_ntop prints it", (h, want) => {
    expect(ipToText(b(h))).toBe(want);
  });

  it("ipToBytes is the inverse of ipToText", () => {
    for (const ip of ["10.0.0.1", "fd00::1", "2001:db8::1:0:0:1", "::ffff:10.0.0.1", "::", "1::", "fe80::ffff:a00:1"]) {
      expect(ipToText(ipToBytes(ip))).toBe(ip);
    }
    expect(Buffer.from(ipToBytes("10.1.2.3")).toString("hex")).toBe("0a010203");
    expect(Buffer.from(ipToBytes("fd00::1")).toString("hex")).toBe("fd000000000000000000000000000001");
    expect(Buffer.from(ipToBytes("[fd00::1]")).toString("hex")).toBe("fd000000000000000000000000000001");
    expect(Buffer.from(ipToBytes("::ffff:1.2.3.4")).toString("hex")).toBe("00000000000000000000ffff01020304");
  });

  it("isIp", () => {
    expect(isIp("10.0.0.1")).toBe(true);
    expect(isIp("fd00::1")).toBe(true);
    expect(isIp("10.0.0")).toBe(false);
    expect(isIp("localhost")).toBe(false);
  });
});

describe("looksLikeIp (C-core's looks_like_ip_address)", () => {
  it.each([
    ["10.0.0.1", true],
    ["255.255.255.255", true],
    ["1234.1.1.1", true], // up to four digits per group
    ["1.2.3.4.5", true], // C-core counts dots only up to a point: five groups still look like an IP
    ["999.999.999.999", true], // looks, not is
    ["::1", true],
    ["2001:db8::1", true], // a ':' before any letter
    ["10:6379", true],
    // C-core returns at the first character that is not a digit, '.' or ':': an IPv6 address that
    // starts with a hex letter is NOT IP-like (it goes through the DNS rules; checked against C-core
    // in peer-name-grpc-core.test.ts).
    ["fd00::1", false],
    ["a:b", false],
    ["host:6379", false],
    ["12345.1.1.1", false],
    ["1.2.3", false],
    ["1.2.3.", false],
    [".1.2.3", false],
    ["1..2.3", false],
    ["1.2.3.4a", false],
    ["localhost", false],
    ["raycluster-tls-head-svc", false],
    ["", false],
  ])("%j -> %s", (name, want) => {
    expect(looksLikeIp(name)).toBe(want);
  });
});

describe("entryMatchesName (C-core's does_entry_match_name)", () => {
  it.each([
    // exact, case, trailing dots
    ["head.svc.cluster.local", "head.svc.cluster.local", true],
    ["Head.SVC.cluster.local", "head.svc.Cluster.Local", true],
    ["head.svc.cluster.local.", "head.svc.cluster.local", true],
    ["head.svc.cluster.local", "head.svc.cluster.local.", true],
    ["head.svc.cluster.local.", "head.svc.cluster.local.", true],
    ["head", "head.svc.cluster.local", false],
    ["head.svc.cluster.local", "head", false],
    // empties
    ["", "a.b", false],
    ["a.b", "", false],
    [".", "a", false],
    // wildcards: one label, rest must hold an inner dot
    ["*.example.com", "a.example.com", true],
    ["*.EXAMPLE.com", "A.example.COM", true],
    ["*.example.com", "a.example.com.", true],
    ["*.example.com.", "a.example.com", true],
    ["*.example.com", "a.b.example.com", false],
    ["*.example.com", "example.com", false],
    // C-core quirk: a leading dot is an empty first label, and the rest still equals the entry's.
    ["*.example.com", ".example.com", true],
    ["*.com", "a.com", false],
    ["*.svc", "head.svc", false],
    ["*.kuberay.com", "raycluster-tls-head-svc", false],
    ["*.a.b", "x.a.b", true],
    ["*.a.b", "x.a.c", false],
    ["*", "a", false],
    ["*.", "a.b", false],
    ["*x.example.com", "ax.example.com", false],
    ["a*.example.com", "ab.example.com", false],
    ["x.*.com", "x.a.com", false],
    // a wildcard entry still matches itself literally
    ["*.example.com", "*.example.com", true],
  ])("entry %j vs name %j -> %s", (entry, name, want) => {
    expect(entryMatchesName(entry, name)).toBe(want);
  });
});

describe("peerHost (what C-core compares: SplitHostPort, zone id dropped)", () => {
  it.each([
    ["raycluster-tls-head-svc.default.svc.cluster.local", "raycluster-tls-head-svc.default.svc.cluster.local"],
    ["raycluster-tls-head-svc.default.svc.cluster.local:6379", "raycluster-tls-head-svc.default.svc.cluster.local"],
    ["10.0.0.1:6379", "10.0.0.1"],
    ["10.0.0.1", "10.0.0.1"],
    ["[fd00::1]:6379", "fd00::1"],
    ["[fd00::1]", "fd00::1"],
    ["fd00::1", "fd00::1"],
    ["fe80::1%eth0", "fe80::1"],
    ["[fe80::1%eth0]:10001", "fe80::1"],
    ["localhost:", "localhost"],
  ])("%j -> %j", (target, host) => {
    expect(peerHost(target)).toBe(host);
  });

  it("matchPeerName applies peerHost and the like-IP rule", () => {
    const peer = { sans: [{ type: "dns" as const, value: "head.svc" }, { type: "dns" as const, value: "10.0.0.9" }, { type: "ip" as const, value: "fd00::1" }], commonName: "cn.example.com" };
    expect(matchPeerName("head.svc:6379", peer)).toBe(true);
    expect(matchPeerName("[fd00::1]:6379", peer)).toBe(true);
    expect(matchPeerName("10.0.0.9:6379", peer)).toBe(true); // an IP written as a DNS SAN matches as text
    expect(matchPeerName("FD00::1", peer)).toBe(true); // not IP-like for C-core (starts with a letter): DNS rules, any case
    expect(matchPeerName("fd00:0:0:0:0:0:0:1", peer)).toBe(false); // the SAN text is compressed
    const v6 = { sans: [{ type: "ip" as const, value: "2001:db8::1" }] };
    expect(matchPeerName("2001:db8::1", v6)).toBe(true);
    expect(matchPeerName("2001:DB8::1", v6)).toBe(false); // IP-like names compare exactly
    expect(matchPeerName("cn.example.com", peer)).toBe(false); // CN ignored beside SANs
    expect(matchPeerName("cn.example.com", { sans: undefined, commonName: "cn.example.com" })).toBe(true);
    expect(matchPeerName("10.0.0.9", { sans: undefined, commonName: "10.0.0.9" })).toBe(false); // never for an IP
    expect(matchPeerName("cn.example.com", { sans: [], commonName: "cn.example.com" })).toBe(false); // an empty SAN extension turns the CN off
  });
});

describe("podSans: the seed's SAN rules", () => {
  const HEAD_FQDN = "raycluster-tls-head-svc.default.svc.cluster.local";
  const text = (sans: Array<{ type: string; value: string }>): string[] => sans.map((s) => `${s.type}:${s.value}`);

  it("head: DNS localhost, DNS <FQDN>, IP 127.0.0.1, IP <pod IP>", () => {
    expect(text(podSans({ role: "head", podIp: "10.244.0.5", headFqdn: HEAD_FQDN }))).toEqual(["dns:localhost", `dns:${HEAD_FQDN}`, "ip:127.0.0.1", "ip:10.244.0.5"]);
  });

  it("worker: DNS localhost, IP 127.0.0.1, IP <pod IP>; a head FQDN is not added", () => {
    expect(text(podSans({ role: "worker", podIp: "10.244.0.7" }))).toEqual(["dns:localhost", "ip:127.0.0.1", "ip:10.244.0.7"]);
    expect(text(podSans({ role: "worker", podIp: "10.244.0.7", headFqdn: HEAD_FQDN }))).toEqual(["dns:localhost", "ip:127.0.0.1", "ip:10.244.0.7"]);
  });

  it("extras come after, DNS before IP, in the order given, normalised", () => {
    expect(text(podSans({ role: "head", podIp: "10.244.0.5", headFqdn: HEAD_FQDN, dns: ["raycluster-tls-head-svc", "Extra.Example"], ips: ["fd00:0:0:0:0:0:0:5", "192.168.1.1"] }))).toEqual([
      "dns:localhost",
      `dns:${HEAD_FQDN}`,
      "dns:raycluster-tls-head-svc",
      "dns:extra.example",
      "ip:127.0.0.1",
      "ip:10.244.0.5",
      "ip:fd00::5",
      "ip:192.168.1.1",
    ]);
  });

  it("duplicates are dropped, also across spellings", () => {
    expect(
      text(podSans({ role: "head", podIp: "127.0.0.1", headFqdn: HEAD_FQDN.toUpperCase(), dns: ["LOCALHOST", HEAD_FQDN, "a.example", "a.example"], ips: ["127.0.0.1", "10.0.0.1", " 10.0.0.1"] })),
    ).toEqual(["dns:localhost", `dns:${HEAD_FQDN}`, "dns:a.example", "ip:127.0.0.1", "ip:10.0.0.1"]);
    expect(text(podSans({ role: "worker", podIp: "fd00::1", ips: ["fd00:0::1", "[fd00::1]"] }))).toEqual(["dns:localhost", "ip:127.0.0.1", "ip:fd00::1"]);
  });

  it.each([
    ["missing pod IP", { role: "worker" as const, podIp: "" }, "missing-pod-ip"],
    ["missing head FQDN", { role: "head" as const, podIp: "10.0.0.5" }, "missing-head-fqdn"],
    ["bad pod IP", { role: "worker" as const, podIp: "10.0.0.300" }, "bad-ip"],
    ["bad head FQDN", { role: "head" as const, podIp: "10.0.0.5", headFqdn: "bad..name" }, "bad-dns-name"],
    ["IP as head FQDN", { role: "head" as const, podIp: "10.0.0.5", headFqdn: "10.0.0.6" }, "ip-as-dns"],
    ["bad extra DNS", { role: "worker" as const, podIp: "10.0.0.5", dns: ["ok.example", "bad_name"] }, "bad-dns-name"],
    ["IP as extra DNS", { role: "worker" as const, podIp: "10.0.0.5", dns: ["10.0.0.1"] }, "ip-as-dns"],
    ["bad extra IP", { role: "worker" as const, podIp: "10.0.0.5", ips: ["fd00:::1"] }, "bad-ip"],
  ])("%s -> %s", (_name, id, code) => {
    expect(codeOf(() => podSans(id))).toBe(code);
  });

  it("error messages name the library option, index included (the CLI turns it into its flag)", () => {
    const fieldOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return (err as RaytlsError).field;
      }
      return "no error";
    };
    expect(() => podSans({ role: "worker", podIp: "x" })).toThrow('podIp: "x" is not a valid IP address');
    expect(() => podSans({ role: "worker", podIp: "10.0.0.5", ips: ["10.0.0.6", "y"] })).toThrow('ips[1]: "y" is not a valid IP address');
    expect(() => podSans({ role: "worker", podIp: "10.0.0.5", dns: ["a..b"] })).toThrow('dns[0]: "a..b" is not a valid DNS name');
    expect(() => podSans({ role: "head", podIp: "10.0.0.5", headFqdn: "10.0.0.6" })).toThrow('headFqdn: "10.0.0.6" is an IP address');
    expect(fieldOf(() => podSans({ role: "worker", podIp: "10.0.0.5", dns: ["ok.example", "bad name!"] }))).toBe("dns[1]");
    expect(fieldOf(() => podSans({ role: "worker", podIp: "" }))).toBe("podIp");
    expect(fieldOf(() => parseRole("boss"))).toBe("role");
  });

  it("parseRole takes head and worker only", () => {
    expect(parseRole("head")).toBe("head");
    expect(parseRole("worker")).toBe("worker");
    expect(codeOf(() => parseRole("Head"))).toBe("bad-role");
    expect(codeOf(() => parseRole(""))).toBe("bad-role");
  });
});
