/** RaytlsError's exit codes: 2 bad input, 1 a failed check, 128 + the signal after an interruption. */
import { describe, expect, it } from "vitest";
import { RaytlsError, signalExitCode } from "../src/errors.js";

describe("RaytlsError exit codes", () => {
  it("bad input is 2 by default, a failed check 1", () => {
    expect(new RaytlsError("x", "m").exitCode).toBe(2);
    expect(new RaytlsError("x", "m", { kind: "check" }).exitCode).toBe(1);
  });

  it("an interruption exits as a shell reports the signal", () => {
    expect(signalExitCode("SIGINT")).toBe(130);
    expect(signalExitCode("SIGTERM")).toBe(143);
    expect(new RaytlsError("interrupted", "m", { kind: "interrupted" }).exitCode).toBe(130);
    expect(new RaytlsError("interrupted", "m", { kind: "interrupted", signal: "SIGTERM" }).exitCode).toBe(143);
  });
});
