/**
 * KubeRay's naming rules, so that what raytls writes into certificates and manifests matches what
 * the operator creates (ray-tls-facts.md section 4).
 *
 * - head Service: `<cluster>-head-svc` (unless `spec.headGroupSpec.headService.metadata.name`);
 * - `FQ_RAY_IP`: `<service>.<namespace>.svc.<cluster domain>`, cluster domain default
 *   `cluster.local` (the operator's `CLUSTER_DOMAIN` env); workers dial the head by this name;
 * - `RAY_IP`: the first label, the short name (deprecated; Step 4 of the seed shows that a
 *   certificate without it fails with "Peer name ... is not in peer certificate").
 */
import { RaytlsError } from "../errors.js";

/** Default Kubernetes cluster domain, as the KubeRay operator assumes without `CLUSTER_DOMAIN`. */
export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";
/** Default namespace of generated resources. */
export const DEFAULT_NAMESPACE = "default";
/** Ports KubeRay gives the head by default (facts section 4). */
export const HEAD_PORTS = { gcs: 6379, dashboard: 8265, client: 10001 } as const;

/** The head Service KubeRay creates for RayCluster `name`: `<name>-head-svc`. */
export function headServiceName(clusterName: string, serviceNameOverride?: string): string {
  return serviceNameOverride ?? `${clusterName}-head-svc`;
}

/** `FQ_RAY_IP`: `<name>-head-svc.<namespace>.svc.<cluster domain>`. */
export function headFqdn(
  clusterName: string,
  namespace: string = DEFAULT_NAMESPACE,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
  serviceNameOverride?: string,
): string {
  return `${headServiceName(clusterName, serviceNameOverride)}.${namespace}.svc.${clusterDomain.replace(/\.$/, "")}`;
}

/** `RAY_IP`: the short (first-label) name of the head Service. */
export function headShortName(clusterName: string, serviceNameOverride?: string): string {
  return headServiceName(clusterName, serviceNameOverride);
}

// RFC 1123 label (what Kubernetes demands of Service names and namespaces).
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// RFC 1123 subdomain (ConfigMap, Secret and RayCluster names; cluster domains).
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Checks a RayCluster name. KubeRay derives `<name>-head-svc` from it, which must be an RFC 1123
 * label of at most 63 characters, so the name itself can be at most 54.
 */
export function checkClusterName(name: string, where = "--name"): string {
  const max = 63 - "-head-svc".length;
  if (name.length > max) {
    throw new RaytlsError("bad-name", `${where}: "${name}" is ${name.length} characters; a RayCluster name can be at most ${max}`, {
      hint: "KubeRay names the head Service <name>-head-svc, which must fit in a 63-character DNS label",
    });
  }
  if (!DNS1123_LABEL.test(name)) {
    throw new RaytlsError("bad-name", `${where}: "${name}" is not a valid RayCluster name`, {
      hint: "use lower-case letters, digits and '-', starting and ending with a letter or digit, at most 54 characters (KubeRay appends -head-svc)",
    });
  }
  return name;
}

export function checkNamespace(ns: string, where = "--namespace"): string {
  if (!DNS1123_LABEL.test(ns) || ns.length > 63) {
    throw new RaytlsError("bad-namespace", `${where}: "${ns}" is not a valid namespace`, {
      hint: "a namespace is an RFC 1123 label: lower-case letters, digits and '-', at most 63 characters",
    });
  }
  return ns;
}

export function checkClusterDomain(domain: string, where = "--cluster-domain"): string {
  const d = domain.replace(/\.$/, "");
  if (!DNS1123_SUBDOMAIN.test(d) || d.length > 253) {
    throw new RaytlsError("bad-cluster-domain", `${where}: "${domain}" is not a valid DNS domain`, {
      hint: "pass the cluster's DNS domain, e.g. cluster.local (the kubelet's --cluster-domain)",
    });
  }
  return d;
}

/** A Secret (or other object) name: an RFC 1123 subdomain, at most 253 characters. */
export function checkSecretName(name: string, where: string): string {
  if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    throw new RaytlsError("bad-name", `${where}: "${name}" is not a valid Secret name`, {
      hint: "use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. ca-tls)",
    });
  }
  return name;
}
