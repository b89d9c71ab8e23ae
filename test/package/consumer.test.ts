/**
 * The published package as a user gets it (issue 12, section 5; issue 11, "Package"): what
 * `npm pack` ships, and a fresh TypeScript project that installs the tarball, type-checks against
 * its declarations (strict, module nodenext) and runs.
 *
 * Heavy (packs, installs 60-odd packages, runs tsc over them): run it alone, under the lock,
 *   flock /tmp/raytls-heavy.lock npx vitest run test/package/consumer.test.ts
 * It packs the dist/ that `npm test` (or `node scripts/build.mjs`) built, with --ignore-scripts:
 * `npm pack` would otherwise run `prepare` and rebuild dist/ under other running tests.
 * The install is offline: the consumer's lock is raytls's own production closure from
 * package-lock.json, whose tarballs `npm ci` put in the npm cache.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { openssl } from "../helpers/openssl.js";
import { useTempDir } from "../helpers/temp-dir.js";

interface PackResult {
  filename: string;
  integrity: string;
  files: Array<{ path: string }>;
}

/** Where npm finds its cache and registry, from an `npm test` that may be running us. */
const NPM_LOCATION = /^npm_config_(cache|userconfig|globalconfig|registry|cafile|proxy|https_proxy|noproxy)$/i;

/** npm without the other npm_* settings of that `npm test` (its local_prefix is the repo). */
function npm(args: string[], cwd: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || NPM_LOCATION.test(k)));
  const r = spawnSync("npm", args, { cwd, env, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) {
    const hint = /ENOTCACHED/.test(r.stderr) ? "\nthe npm cache lacks raytls's dependencies: `npm ci` in the repo puts them there" : "";
    throw new Error(`npm ${args.join(" ")} (in ${cwd}) exited ${r.status}:\n${r.stderr}${hint}`);
  }
  return r.stdout;
}

function pack(extra: string[]): PackResult {
  const [result] = JSON.parse(npm(["pack", "--json", "--ignore-scripts", ...extra], REPO)) as PackResult[];
  if (!result) throw new Error("npm pack --json printed no result");
  return result;
}

/** What a user needs, and only that. A path must match one of these to ship. */
const SHIPPED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^bin\/raytls\.mjs$/,
  /^dist\/(index|experimental|cli\/main)\.js$/,
  /^dist\/chunks\/(lib\/)?[\w-]+\.js$/, // esbuild's shared chunks: the CLI's, the library's (lib/)
  /^dist\/([\w-]+\/)*[\w-]+\.d\.ts$/, // declarations, mirroring src/
  /^docs\/[\w-]+\.md$/, // the README links them
  /^proto\/[\w]+\.proto$/, // the wire format raytls speaks
  /^bench-results\/(grpc|ray)\.svg$/, // the README shows them; no other bench result ships
  /^bench\/ray-bench-driver\.py$/, // `raytls bench ray`'s workload, run by Ray's python in a pod
];

const MARKDOWN_LINK = /!?\[[^\]]*\]\(([^)\s]+)\)/g;

describe("the npm package", () => {
  let files: string[] = [];

  beforeAll(() => {
    expect(existsSync(join(REPO, "dist/index.js")), "dist/ is missing: run `node scripts/build.mjs` (npm test does)").toBe(true);
    files = pack(["--dry-run"]).files.map((f) => f.path).sort();
  });

  it("ships the entry points, their declarations, the bin, README, LICENSE, docs and protos", () => {
    for (const f of ["package.json", "README.md", "LICENSE", "bin/raytls.mjs", "dist/index.js", "dist/index.d.ts", "dist/experimental.js", "dist/experimental.d.ts", "dist/cli/main.js", "docs/kubernetes.md", "docs/ray-wire.md", "docs/signer.md", "proto/ray_gcs_slice.proto", "proto/grpc_health_v1.proto"]) {
      expect(files, f).toContain(f);
    }
  });

  it("ships nothing else: no tests, sources, source maps, bench results or build state", () => {
    expect(files.filter((f) => !SHIPPED.some((re) => re.test(f)))).toEqual([]);
  });

  it("every declaration file mirrors a source module, and every relative import in one ships", () => {
    for (const f of files.filter((p) => p.endsWith(".d.ts"))) {
      const src = f.replace(/^dist\//, "src/").replace(/\.d\.ts$/, ".ts");
      expect(existsSync(join(REPO, src)), `${f} has no ${src} (a stale declaration?)`).toBe(true);
      for (const [, spec] of readFileSync(join(REPO, f), "utf8").matchAll(/(?:from|import\()\s*"(\.[^"]+)"/g)) {
        const target = posix.join(posix.dirname(f), spec!.replace(/\.js$/, ".d.ts"));
        expect(files, `${f} imports ${spec}`).toContain(target);
      }
    }
  });

  it("every relative link in the shipped Markdown points into the package", () => {
    const broken: string[] = [];
    for (const md of files.filter((f) => f.endsWith(".md"))) {
      for (const [, href] of readFileSync(join(REPO, md), "utf8").matchAll(MARKDOWN_LINK)) {
        if (/^[a-z]+:|^#/i.test(href!)) continue; // absolute URL or in-page anchor
        const target = posix.normalize(posix.join(posix.dirname(md), href!.split("#")[0]!));
        if (!files.includes(target)) broken.push(`${md} -> ${href}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("LICENSE is the Apache License 2.0 that package.json declares", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    const license = readFileSync(join(REPO, "LICENSE"), "utf8");
    expect(pkg.license).toBe("Apache-2.0");
    expect(license).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain("END OF TERMS AND CONDITIONS");
  });
});

describe("a TypeScript consumer of the tarball", () => {
  const tmp = useTempDir("raytls-consumer-");
  const app = join(tmp.dir, "app");
  let output: Record<string, any>;

  beforeAll(() => {
    const packed = pack(["--pack-destination", tmp.dir]);
    const tarball = `file:../${packed.filename}`;
    mkdirSync(join(app, "files"), { recursive: true });
    // The consumer's lock: raytls from the tarball, its dependencies exactly as raytls locks them.
    const repoPkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    const repoLock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8"));
    const dependencies = { raytls: tarball };
    const packages: Record<string, unknown> = {
      "": { name: "consumer", dependencies },
      "node_modules/raytls": { version: repoPkg.version, resolved: tarball, integrity: packed.integrity, dependencies: repoPkg.dependencies, bin: repoPkg.bin },
    };
    for (const [path, entry] of Object.entries(repoLock.packages as Record<string, { dev?: boolean }>)) {
      if (path !== "" && !entry.dev) packages[path] = entry;
    }
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies }));
    writeFileSync(join(app, "package-lock.json"), JSON.stringify({ name: "consumer", lockfileVersion: 3, requires: true, packages }));
    npm(["ci", "--offline", "--no-audit", "--no-fund"], app);

    copyFileSync(join(REPO, "test/package/consumer/main.ts"), join(app, "main.ts"));
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        // skipLibCheck off: the package's own declarations are type-checked too. @types/node comes
        // with the install (protobufjs depends on it), else from the repo's.
        compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", strict: true, skipLibCheck: false, types: ["node"], typeRoots: [join(app, "node_modules/@types"), join(REPO, "node_modules/@types")], outDir: "out", rootDir: "." },
        files: ["main.ts"],
      }),
    );
    // The repo's TypeScript, by path: nothing is downloaded for the consumer.
    const tsc = spawnSync(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", app], { cwd: app, encoding: "utf8", timeout: 60_000 });
    if (tsc.status !== 0) throw new Error(`tsc in the consumer project failed:\n${tsc.stdout}${tsc.stderr}`);
    output = JSON.parse(execFileSync(process.execPath, [join(app, "out/main.js"), join(app, "files")], { cwd: app, encoding: "utf8", timeout: 30_000 }));
  }, 120_000);

  it("installs as a package, with the bin linked", () => {
    expect(existsSync(join(app, "node_modules/raytls/dist/index.d.ts"))).toBe(true);
    expect(existsSync(join(app, "node_modules/.bin/raytls"))).toBe(true);
    expect(existsSync(join(app, "node_modules/raytls/test"))).toBe(false);
  });

  it("makes a CA and a head certificate that openssl verifies, with the seed's SANs", () => {
    const ca = join(app, "files/ca.crt");
    const head = join(app, "files/head.crt");
    const r = openssl(["verify", "-CAfile", ca, head]);
    expect(r.out + r.err).toContain(`${head}: OK`);
    expect(new X509Certificate(readFileSync(head)).subjectAltName).toBe(
      "DNS:localhost, DNS:raycluster-tls-head-svc.default.svc.cluster.local, IP Address:127.0.0.1, IP Address:10.244.0.5",
    );
    expect(output.verify).toEqual({ ok: true, checks: ["chain:true", "validity:true", "purpose:true", "key:true", "host:true"] });
  });

  it("makes a worker CSR and reads its SANs back", () => {
    expect(output.csrSans).toEqual([
      { type: "dns", value: "localhost" },
      { type: "ip", value: "127.0.0.1" },
      { type: "ip", value: "10.244.0.9" },
    ]);
  });

  it("gives gRPC C-core's peer-name verdicts: the FQDN passes, the short name fails in gRPC's words", () => {
    expect(output.byFqdn).toBe(true);
    expect(output.byShortName).toEqual({ ok: false, message: "Peer name raycluster-tls-head-svc is not in peer certificate" });
  });

  it("throws RaytlsError (instanceof works across the package boundary) on bad input", () => {
    expect(output.badInput).toEqual({ isRaytlsError: true, code: "bad-ip" });
  });

  it("health-checks a head started from raytls/experimental over mutual TLS", () => {
    expect(output.health).toMatchObject({ ok: true, used: "cluster-metadata", tls: true });
    expect(output.health.clusterId).toMatch(/^[0-9a-f]{56}$/);
  });

  it("hands RayChannelCredentials to the program's own grpc-js Client, which connects with them", () => {
    expect(output.ownGrpc).toBe("ready");
  });

  it("builds a manifest that its own lint passes", () => {
    expect(output.lint).toEqual({ clusters: 1, errors: 0 });
  });
});

