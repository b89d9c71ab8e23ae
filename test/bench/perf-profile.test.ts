/**
 * bench ray's profile: `perf report -n -t ';' --sort dso,sym` read strictly, samples grouped by
 * what the CPU did (Ray's statically linked BoringSSL and gRPC go by symbol name), and a live run
 * of the perf installed here against the parser (skipped, with the reason, when perf is absent).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RaytlsError } from "../../src/errors.js";
import { extraSymbols, groupProfile, parsePerfReport, perfUnavailable, profileGroup, startPerf } from "../../src/bench/perf-profile.js";

// perf 6.1's own header and rows (this machine, openssl speed), then symbols as Ray 2.58's raylet names them.
const REPORT = `# To display the perf.data header info, please use --header/--header-only options.
#
#
# Total Lost Samples: 0
#
# Samples: 963  of event 'cpu-clock:ppp'
# Event count (approx.): 963963963
#
# Overhead;     Samples;Shared Object       ;Symbol                             
 3.53%  ; 34         ;libcrypto.so.3      ;[.] 0x0000000000243759
 14.47% ; 427        ;libc.so.6        ;[.] __strcmp_evex
 10.00% ; 300        ;raylet           ;[.] aesni_gcm_encrypt
 5.00%  ; 150        ;raylet           ;[.] gcm_ghash_avx
 2.00%  ; 60         ;raylet           ;[.] tls_seal_record
 1.00%  ; 30         ;raylet           ;[.] flush_write_staging_buffer
 20.00% ; 600        ;libc.so.6        ;[.] __memmove_avx512_unaligned_erms
 8.00%  ; 240        ;[kernel.kallsyms];[k] _copy_to_iter
 4.00%  ; 120        ;[kernel.kallsyms];[k] tcp_sendmsg_locked
 9.00%  ; 270        ;[kernel.kallsyms];[k] clear_page_erms
 3.00%  ; 90         ;raylet           ;[.] grpc_event_engine::experimental::MemoryAllocator::MakeSlice
 0.10%  ; 3          ;raylet           ;[.] std::map<int, int; odd>::find
`;

describe("bench ray: perf report", () => {
  it("reads every row: samples, shared object, symbol (a ';' in a symbol stays in it)", () => {
    const rows = parsePerfReport(REPORT);
    expect(rows).toHaveLength(12);
    expect(rows[0]).toEqual({ samples: 34, dso: "libcrypto.so.3", sym: "[.] 0x0000000000243759" });
    expect(rows[11]).toEqual({ samples: 3, dso: "raylet", sym: "[.] std::map<int, int; odd>::find" });
  });

  it.each([
    ["a row without samples", " 3.53%  ; ;libc.so.6;[.] memcpy\n"],
    ["a row without a symbol", " 3.53%  ; 34 ;libc.so.6\n"],
    ["perf's default (space-aligned) layout", "     3.53%  34  libc.so.6  [.] memcpy\n"],
    ["an error message", "failed to open perf.data: No such file or directory\n"],
  ])("refuses %s, naming the line", (_what, text) => {
    expect(() => parsePerfReport(text)).toThrow(RaytlsError);
    expect(() => parsePerfReport(text)).toThrow(/line 1/);
  });

  it("groups samples by what the CPU did", () => {
    const g = groupProfile(parsePerfReport(REPORT));
    expect(g["cipher (AES-GCM)"]).toBe(450);
    expect(g["TLS records, gRPC secure endpoint"]).toBe(90);
    expect(g["memcpy, libc"]).toBe(1027);
    expect(g["kernel TCP/IP and socket copies"]).toBe(360);
    expect(g["kernel, other"]).toBe(270);
    expect(g["Ray, gRPC, protobuf, Python, other"]).toBe(34 + 90 + 3);
    expect(g.total).toBe(34 + 427 + 300 + 150 + 60 + 30 + 600 + 240 + 120 + 270 + 90 + 3);
    expect(profileGroup("_raylet.so", "[.] CRYPTO_gcm128_encrypt_ctr32")).toBe("cipher (AES-GCM)");
    expect(profileGroup("raylet", "[.] ssl_protector_unprotect")).toBe("TLS records, gRPC secure endpoint");
    expect(profileGroup("_raylet.so", "[.] _aesni_ctr32_ghash_6x")).toBe("cipher (AES-GCM)");
    expect(profileGroup("_raylet.so", "[.] EVP_aead_chacha20_poly1305")).toBe("cipher (AES-GCM)");
    // Names that only look like TLS or GHASH (thread-local storage, absl's hash), seen in plaintext profiles.
    expect(profileGroup("ld-linux-x86-64.so.2", "[.] __tls_get_addr")).toBe("Ray, gRPC, protobuf, Python, other");
    expect(profileGroup("_raylet.so", "[.] __tls_get_addr@plt")).toBe("Ray, gRPC, protobuf, Python, other");
    expect(profileGroup("_raylet.so", "[.] TLS init function for grpc_core::Timestamp::thread_local_time_source_")).toBe("Ray, gRPC, protobuf, Python, other");
    expect(profileGroup("_raylet.so", "[.] absl::lts_20230802::hash_internal::MixingHashState::LowLevelHashImpl")).toBe("Ray, gRPC, protobuf, Python, other");
  });

  it("extra symbols: what one profile spent more on than the other", () => {
    const more = parsePerfReport(REPORT);
    const base = more.filter((r) => !/gcm|memmove/.test(r.sym)).map((r) => ({ ...r }));
    base.push({ samples: 500, dso: "libc.so.6", sym: "[.] __memmove_avx512_unaligned_erms" });
    expect(extraSymbols(more, base, 2)).toEqual([
      { samples: 300, dso: "raylet", sym: "[.] aesni_gcm_encrypt" },
      { samples: 150, dso: "raylet", sym: "[.] gcm_ghash_avx" },
    ]);
    expect(extraSymbols(more, base, 5).map((r) => r.samples)).toEqual([300, 150, 100]);
  });
});

const noPerf = perfUnavailable() ?? (process.getuid?.() !== 0 ? "needs root to attach perf to another process" : undefined);
if (noPerf && process.env.CI === "true") {
  describe("perf on this machine", () => it("runs in CI", () => expect.fail(`CI=true but: ${noPerf}`)));
} else if (noPerf) {
  console.warn(`SKIP perf on this machine: ${noPerf}`);
  describe.skip("perf on this machine", () => it("skipped", () => {}));
} else {
  describe("perf on this machine", () => {
    it("records a running process and the parser counts every sample perf script lists", async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "raytls-perf-test-"));
      const { spawn } = await import("node:child_process");
      const busy = spawn("openssl", ["speed", "-seconds", "3", "-bytes", "16384", "-evp", "aes-128-gcm"], { stdio: "ignore" });
      try {
        const file = path.join(dir, "p.data");
        const session = await startPerf([busy.pid!], file);
        await new Promise((r) => setTimeout(r, 700));
        const rows = await session.stop();
        expect(existsSync(file)).toBe(true);
        const listed = execFileSync("perf", ["script", "-i", file, "-F", "comm"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n").filter((l) => l.trim()).length;
        expect(listed).toBeGreaterThan(100);
        expect(groupProfile(rows).total).toBe(listed);
      } finally {
        busy.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000);
  });
}
