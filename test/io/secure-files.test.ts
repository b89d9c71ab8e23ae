/**
 * writeFilesAtomically (src/io/secure-files.ts): modes regardless of umask, no overwrite without
 * force (nothing changes), force replaces, no temp files left behind; and `ca create --force`.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RaytlsError } from "../../src/errors.js";
import { readInputFile, writeFilesAtomically } from "../../src/io/secure-files.js";
import { runCli } from "../helpers/cli.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir("raytls-securefiles-", { each: true });
const D = (p: string): string => path.join(tmp.dir, p);
const mode = (f: string): number => statSync(f).mode & 0o777;
const temps = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith(".tmp"));

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RaytlsError);
    return (err as RaytlsError).code;
  }
  return undefined;
}

describe("modes", () => {
  it.each([0o022, 0o077, 0o000, 0o777])("0600, 0400, 0644 and the default under umask %s", async (umask) => {
    const old = process.umask(umask);
    try {
      await writeFilesAtomically([
        { path: D("k"), data: "key\n", mode: 0o600 },
        { path: D("ca.key"), data: "ca key\n", mode: 0o400 },
        { path: D("c"), data: "cert\n", mode: 0o644 },
        { path: D("d"), data: new Uint8Array([1, 2, 3]) },
      ]);
    } finally {
      process.umask(old);
    }
    expect(mode(D("k"))).toBe(0o600);
    expect(mode(D("ca.key"))).toBe(0o400);
    expect(mode(D("c"))).toBe(0o644);
    expect(mode(D("d"))).toBe(0o644);
    expect(readFileSync(D("k"), "utf8")).toBe("key\n");
    expect([...readFileSync(D("d"))]).toEqual([1, 2, 3]);
    expect(temps(tmp.dir)).toEqual([]);
  });

  it("missing parent directories are made 0700", async () => {
    const old = process.umask(0o022);
    try {
      await writeFilesAtomically([{ path: D("a/b/tls.key"), data: "k", mode: 0o600 }]);
    } finally {
      process.umask(old);
    }
    expect(mode(D("a"))).toBe(0o700);
    expect(mode(D("a/b"))).toBe(0o700);
    expect(mode(D("a/b/tls.key"))).toBe(0o600);
  });

  it("mkdir: false does not make directories", async () => {
    expect(await codeOf(writeFilesAtomically([{ path: D("nope/x"), data: "x" }], { mkdir: false }))).toBe("output-dir");
    expect(existsSync(D("nope"))).toBe(false);
  });
});

describe("no overwrite without force", () => {
  it("one existing file stops the whole set: nothing changes, the new files are not made", async () => {
    writeFileSync(D("tls.crt"), "old cert\n", { mode: 0o644 });
    let err: unknown;
    try {
      await writeFilesAtomically([
        { path: D("tls.key"), data: "new key", mode: 0o600 },
        { path: D("tls.crt"), data: "new cert" },
        { path: D("ca.crt"), data: "new ca" },
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RaytlsError);
    expect((err as RaytlsError).code).toBe("file-exists");
    expect((err as RaytlsError).message).toBe(`refusing to overwrite ${D("tls.crt")}`);
    expect((err as RaytlsError).hint).toMatch(/--force.*nothing was written/);
    expect((err as RaytlsError).exitCode).toBe(2);
    expect(readdirSync(tmp.dir).sort()).toEqual(["tls.crt"]);
    expect(readFileSync(D("tls.crt"), "utf8")).toBe("old cert\n");
  });

  it("every existing file is named", async () => {
    writeFileSync(D("a"), "a");
    writeFileSync(D("c"), "c");
    await expect(writeFilesAtomically([{ path: D("a"), data: "1" }, { path: D("b"), data: "2" }, { path: D("c"), data: "3" }])).rejects.toThrow(`refusing to overwrite ${D("a")}, ${D("c")}`);
    expect(existsSync(D("b"))).toBe(false);
  });

  it("a dangling symlink counts as existing (it is not followed)", async () => {
    symlinkSync(D("elsewhere"), D("tls.key"));
    expect(await codeOf(writeFilesAtomically([{ path: D("tls.key"), data: "k", mode: 0o600 }]))).toBe("file-exists");
    expect(existsSync(D("elsewhere"))).toBe(false);
    expect(lstatSync(D("tls.key")).isSymbolicLink()).toBe(true);
  });
});

describe("force", () => {
  it("replaces existing files with the new content and the new mode", async () => {
    writeFileSync(D("tls.key"), "old key", { mode: 0o644 });
    writeFileSync(D("tls.crt"), "old cert", { mode: 0o600 });
    await writeFilesAtomically(
      [
        { path: D("tls.key"), data: "new key", mode: 0o600 },
        { path: D("tls.crt"), data: "new cert", mode: 0o644 },
        { path: D("ca.crt"), data: "new ca" },
      ],
      { force: true },
    );
    expect(readFileSync(D("tls.key"), "utf8")).toBe("new key");
    expect(readFileSync(D("tls.crt"), "utf8")).toBe("new cert");
    expect(mode(D("tls.key"))).toBe(0o600);
    expect(mode(D("tls.crt"))).toBe(0o644);
    expect(readdirSync(tmp.dir).sort()).toEqual(["ca.crt", "tls.crt", "tls.key"]);
  });

  it("replaces a symlink itself, not the file it points to", async () => {
    writeFileSync(D("target"), "untouched");
    symlinkSync(D("target"), D("tls.crt"));
    await writeFilesAtomically([{ path: D("tls.crt"), data: "new" }], { force: true });
    expect(lstatSync(D("tls.crt")).isSymbolicLink()).toBe(false);
    expect(readFileSync(D("tls.crt"), "utf8")).toBe("new");
    expect(readFileSync(D("target"), "utf8")).toBe("untouched");
  });
});

describe("failure leaves no temp files", () => {
  it("the first target is a directory: the rename fails, nothing is written, no .tmp remains", async () => {
    mkdirSync(D("tls.key"));
    writeFileSync(D("ca.crt"), "old ca");
    let err: unknown;
    try {
      await writeFilesAtomically(
        [
          { path: D("tls.key"), data: "k", mode: 0o600 },
          { path: D("tls.crt"), data: "c" },
          { path: D("ca.crt"), data: "new ca" },
        ],
        { force: true },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RaytlsError);
    expect((err as RaytlsError).code).toBe("write-failed");
    expect((err as RaytlsError).message).toMatch(/^could not write .*tls\.key/);
    expect(temps(tmp.dir)).toEqual([]);
    expect(readdirSync(tmp.dir).sort()).toEqual(["ca.crt", "tls.key"]);
    expect(statSync(D("tls.key")).isDirectory()).toBe(true);
    expect(readFileSync(D("ca.crt"), "utf8")).toBe("old ca");
  });

  it("a target in the middle is a directory: no .tmp remains", async () => {
    mkdirSync(D("tls.crt"));
    await expect(
      writeFilesAtomically(
        [
          { path: D("tls.key"), data: "k", mode: 0o600 },
          { path: D("tls.crt"), data: "c" },
          { path: D("ca.crt"), data: "new ca" },
        ],
        { force: true },
      ),
    ).rejects.toThrow(/could not write/);
    expect(temps(tmp.dir)).toEqual([]);
  });

  // Regression test, fixed (src/io/secure-files.ts writeFilesAtomically): the renames run one by one, and a failing
  // rename leaves the files renamed before it in place, so the set is not all-or-nothing. With
  // [tls.key (new), tls.crt (a directory), ca.crt (existing)] and force: expected tls.key not
  // created and ca.crt unchanged; actual tls.key is created (a new key whose certificate was never
  // written). The same applies to an existing file replaced before the failure.
  it("a target in the middle is a directory: the targets before it are not created or changed either", async () => {
    mkdirSync(D("tls.crt"));
    writeFileSync(D("old.key"), "old key");
    await expect(
      writeFilesAtomically(
        [
          { path: D("old.key"), data: "new key", mode: 0o600 },
          { path: D("tls.key"), data: "k", mode: 0o600 },
          { path: D("tls.crt"), data: "c" },
        ],
        { force: true },
      ),
    ).rejects.toThrow(/could not write/);
    expect(readFileSync(D("old.key"), "utf8")).toBe("old key");
    expect(existsSync(D("tls.key"))).toBe(false);
  });

  it("no temp files after a success either", async () => {
    await writeFilesAtomically([{ path: D("a"), data: "a" }, { path: D("b"), data: "b" }]);
    expect(readdirSync(tmp.dir).sort()).toEqual(["a", "b"]);
  });
});

describe("readInputFile", () => {
  it("names the file and what it was for", async () => {
    await expect(readInputFile(D("none.crt"), "--ca-cert")).rejects.toThrow(`--ca-cert: cannot read ${D("none.crt")}: no such file`);
    mkdirSync(D("dir"));
    await expect(readInputFile(D("dir"), "RAY_TLS_CA_CERT")).rejects.toThrow(`RAY_TLS_CA_CERT: cannot read ${D("dir")}: is a directory`);
    expect(await codeOf(readInputFile(D("dir"), "x"))).toBe("input-file");
    writeFileSync(D("ok"), "text");
    expect(await readInputFile(D("ok"), "x")).toBe("text");
  });
});

describe("ca create", () => {
  it("writes ca.crt 0644 and ca.key 0400; refuses a second run; --force replaces both", async () => {
    const first = await runCli(["ca", "create", "--out", "ca"], { cwd: tmp.dir });
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain(`${D("ca/ca.key")}  CA private key (mode 0400)`);
    expect(mode(D("ca/ca.crt"))).toBe(0o644);
    expect(mode(D("ca/ca.key"))).toBe(0o400);
    const crt1 = readFileSync(D("ca/ca.crt"), "utf8");
    const key1 = readFileSync(D("ca/ca.key"), "utf8");

    const again = await runCli(["ca", "create", "--out", "ca"], { cwd: tmp.dir });
    expect(again.code).toBe(2);
    expect(again.err).toContain(`refusing to overwrite ${D("ca/ca.crt")}, ${D("ca/ca.key")}`);
    expect(readFileSync(D("ca/ca.crt"), "utf8")).toBe(crt1);
    expect(readFileSync(D("ca/ca.key"), "utf8")).toBe(key1);

    const forced = await runCli(["ca", "create", "--out", "ca", "--force", "--json"], { cwd: tmp.dir });
    expect(forced.code, forced.err).toBe(0);
    expect(JSON.parse(forced.out)).toMatchObject({ ok: true, keyType: "ecdsa-p256", files: { cert: D("ca/ca.crt"), key: D("ca/ca.key") } });
    expect(readFileSync(D("ca/ca.crt"), "utf8")).not.toBe(crt1);
    expect(readFileSync(D("ca/ca.key"), "utf8")).not.toBe(key1);
    expect(mode(D("ca/ca.key"))).toBe(0o400);
    expect(mode(D("ca/ca.crt"))).toBe(0o644);
    expect(readdirSync(D("ca")).sort()).toEqual(["ca.crt", "ca.key"]);
    // The replaced pair belongs together: pod-cert can sign with it.
    const pod = await runCli(["pod-cert", "--role", "worker", "--pod-ip", "10.0.0.1", "--ca-dir", "ca", "--out", "tls"], { cwd: tmp.dir });
    expect(pod.code, pod.err).toBe(0);
    expect(mode(D("tls/tls.key"))).toBe(0o600);
  });

  it("the output directory is made 0700 when missing", async () => {
    const r = await runCli(["ca", "create", "--out", "new/ca"], { cwd: tmp.dir });
    expect(r.code, r.err).toBe(0);
    expect(mode(D("new/ca"))).toBe(0o700);
  });
});
