/**
 * src/io/proc-stat.ts: /proc/PID/stat read strictly (the lab's process groups and zombies, the
 * bench's CPU and page faults). Linux only, as the lab and the bench are.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RaytlsError } from "../../src/errors.js";
import { parseProcStat, readProcStat } from "../../src/io/proc-stat.js";

// A real line (cat's own, on this project's machine): utime 0, stime 0.
const CAT = "19239 (cat) R 19234 19234 6380 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 2987991 3133440 418 18446744073709551615 93947194392576 93947194412457 140735407847104 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 93947194428464 93947194430080 93948255383552 140735407847948 140735407847968 140735407847968 140735407849451 0";

describe("/proc/PID/stat", () => {
  it("reads pid, name, state (field 3), process group (5), minflt (10), utime (14) and stime (15)", () => {
    expect(parseProcStat(CAT, "t")).toEqual({ pid: 19239, comm: "cat", state: "R", pgrp: 19234, minflt: 99, utime: 0, stime: 0 });
    // Ray's worker titles hold "::"; a name may hold spaces and ")" too: fields count from the last ")".
    const odd = "42 (ray::a) b(c) S 1 1 1 0 -1 0 77 0 0 0 1234 567 0 0 20 0 9 0 100 0 0";
    expect(parseProcStat(odd, "t")).toEqual({ pid: 42, comm: "ray::a) b(c", state: "S", pgrp: 1, minflt: 77, utime: 1234, stime: 567 });
  });

  it.each([
    ["empty", ""],
    ["no name", "42 S 1 1 1 0 -1 0 0 0 0 0 1 2"],
    ["a pid that is not a number", "x (a) S 1 1 1 0 -1 0 0 0 0 0 1 2"],
    ["too few fields", "42 (a) S 1 1 1"],
    ["a negative utime", "42 (a) S 1 1 1 0 -1 0 0 0 0 0 -1 2"],
    ["a fractional stime", "42 (a) S 1 1 1 0 -1 0 0 0 0 0 1 2.5"],
    ["a state that is not a letter", "42 (a) 7 1 1 1 0 -1 0 0 0 0 0 1 2"],
    ["a process group that is not a number", "42 (a) S 1 x 1 0 -1 0 0 0 0 0 1 2"],
  ])("refuses %s, naming the file", (_what, text) => {
    expect(() => parseProcStat(text, "/proc/42/stat")).toThrow(RaytlsError);
    expect(() => parseProcStat(text, "/proc/42/stat")).toThrow(/\/proc\/42\/stat/);
  });

  it("reads this process's own stat", () => {
    const s = parseProcStat(readFileSync("/proc/self/stat", "utf8").trim(), "/proc/self/stat");
    expect(s.pid).toBeGreaterThan(0);
    expect(s.utime + s.stime).toBeGreaterThan(0);
    expect(readProcStat(process.pid)).toMatchObject({ pid: process.pid, state: expect.stringMatching(/^[RS]$/) });
  });

  it("a process that is not there is undefined, not an error", () => {
    expect(readProcStat(2 ** 22 + 1)).toBeUndefined(); // above pid_max's ceiling (2^22)
  });
});
