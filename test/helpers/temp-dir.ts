/**
 * Temporary directories for tests, removed when the test (or the file, or the describe block)
 * ends, so a run leaves nothing in the system temp directory. `useTempDir` registers its own
 * removal; `makeTempDir` is for fixtures that manage their own lifetime (and call `cleanup`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach } from "vitest";

export interface TempDir {
  /** The directory (with `each`, the current test's). */
  readonly dir: string;
  /** A new empty directory inside `dir`, e.g. a fresh working directory per case. */
  fresh(prefix?: string): string;
  /** Removes `dir` and everything in it. */
  cleanup(): void;
}

/** A directory under the system temp directory; the caller removes it with `cleanup()`. */
export function makeTempDir(prefix = "raytls-test-"): TempDir {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    fresh: (p = "d-") => mkdtempSync(path.join(dir, p)),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A temporary directory removed after the enclosing file or describe block (`afterAll`), or, with
 * `each`, a new one for every test, removed after it. Call it at file or describe level. The
 * directory is made when first used: a skipped block (whose hooks never run) leaves none behind.
 */
export function useTempDir(prefix = "raytls-test-", o: { each?: boolean } = {}): TempDir {
  let current: TempDir | undefined;
  if (o.each) {
    beforeEach(() => {
      current = makeTempDir(prefix);
    });
    afterEach(() => {
      current?.cleanup();
      current = undefined;
    });
  } else {
    afterAll(() => current?.cleanup());
  }
  const now = (): TempDir => {
    if (!current && o.each) throw new Error("useTempDir({ each: true }).dir is only there inside a test");
    current ??= makeTempDir(prefix);
    return current;
  };
  return {
    get dir() {
      return now().dir;
    },
    fresh: (p) => now().fresh(p),
    cleanup: () => now().cleanup(),
  };
}
