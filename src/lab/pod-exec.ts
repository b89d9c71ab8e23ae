/**
 * Running a raytls command "inside" a pod: with the pod's environment (its Ray TLS variables, its
 * POD_IP, the KubeRay variables), and in netns mode inside its network namespace, so names
 * resolve through the pod's /etc/hosts exactly as they would in the cluster.
 */
import { execFile } from "node:child_process";
import { raytlsCommand } from "../io/package-root.js";
import type { PodPlan } from "./lab-plan.js";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The command line, for showing the user what ran. */
  shown: string;
}

export function execInPod(pod: PodPlan, args: string[], timeoutMs = 20_000): Promise<ExecResult> {
  const { cmd, args: base } = raytlsCommand();
  const [c, a] = pod.netns ? ["ip", ["netns", "exec", pod.netns, cmd, ...base, ...args]] : [cmd, [...base, ...args]];
  const shown = `${pod.netns ? `ip netns exec ${pod.netns} ` : ""}raytls ${args.join(" ")}`;
  return new Promise((resolve) => {
    execFile(
      c as string,
      a as string[],
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...pod.env }, timeout: timeoutMs, maxBuffer: 4 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr, shown });
      },
    );
  });
}
