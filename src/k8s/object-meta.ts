/** A Kubernetes object's `metadata` as raytls writes it: name, namespace, and labels only when there are some. */
export function objectMeta(name: string, namespace: string, labels?: Record<string, string>): { name: string; namespace: string; labels?: Record<string, string> } {
  return { name, namespace, ...(labels ? { labels } : {}) };
}
