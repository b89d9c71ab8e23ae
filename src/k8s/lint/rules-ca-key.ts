/**
 * The seed's own warning, checked: "It is crucial that you do not store your CA private key in a
 * Kubernetes Secret in your production environment." In the upstream sample the whole CA Secret
 * (with ca.key) is mounted into every long-running Ray container and also copied into the shared
 * `ray-tls` emptyDir (facts section 4), so anyone with a shell in any Ray pod can mint
 * certificates the whole cluster trusts.
 */
import { podsOf } from "./pod-model.js";
import type { Rule, RuleFinding, RuleInfo } from "./types.js";
import { caKeyEnvExposures, caKeyExposures } from "./volume-sources.js";

const FIX =
  "mount the CA Secret into the certificate init container only and copy just ca.crt into the shared volume " +
  "(raytls manifest --mode seed does this), or keep the CA key out of the cluster with raytls manifest --mode signer";

export const CA_KEY_RULES: RuleInfo[] = [
  { id: "ca-key-exposed", severity: "warning", summary: "the CA private key is readable by a long-running container (a mount, a copy, or its environment)" },
];

export const caKeyExposed: Rule = ({ cluster, secrets }) =>
  podsOf(cluster.value).flatMap((pod) =>
    pod.containers
      .filter((c) => c.kind !== "init")
      .flatMap((c) =>
        caKeyExposures(pod, c, secrets, cluster.namespace).map((x): RuleFinding => ({
          rule: "ca-key-exposed",
          severity: "warning",
          path: [...c.path, "volumeMounts", x.mount.index],
          message:
            `the CA private key (${x.what}) is readable by long-running container ${c.name} (${pod.label}) at ${x.file}` +
            `${x.guessed ? " (assumed from the Secret's name; it was not among the inputs)" : ""}; ` +
            "anyone with a shell in this pod can sign certificates the whole cluster trusts. " +
            "The seed itself warns: \"do not store your CA private key in a Kubernetes Secret in your production environment\"",
          hint: FIX,
        })),
      ),
  );

export const caKeyInEnv: Rule = ({ cluster, secrets }) =>
  podsOf(cluster.value).flatMap((pod) =>
    pod.containers
      .filter((c) => c.kind !== "init")
      .flatMap((c) =>
        caKeyEnvExposures(c, secrets, cluster.namespace).map((x): RuleFinding => ({
          rule: "ca-key-exposed",
          severity: "warning",
          path: [...c.path, x.field, x.index],
          message:
            `the CA private key (${x.what}) is in the environment of long-running container ${c.name} (${pod.label}) as ${x.variable}` +
            `${x.guessed ? " (assumed from the Secret's name; it was not among the inputs)" : ""}` +
            `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(x.variable) ? "" : " (clusters that accept any printable variable name pass it; older ones skip it)"}; ` +
            "every process in the container inherits it, and anyone who reads it can sign certificates the whole cluster trusts",
          hint: `remove the ${x.field === "env" ? "secretKeyRef" : "envFrom secretRef"}; ${FIX}`,
        })),
      ),
  );
