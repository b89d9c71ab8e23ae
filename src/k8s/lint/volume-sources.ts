/**
 * What a container can read through its mounts: which Secret keys (to find the CA private key) and
 * which ConfigMap scripts (to read the certificate scripts an init container runs).
 */
import { asRecord, volumeOf, type ContainerView, type MountEntry, type PodView } from "./pod-model.js";
import type { InputResource } from "./types.js";

/** A name that holds a CA private key: `ca.key`, `ca-key.pem`, `ca_key`, `rootCA.key`... */
export const CA_KEY_NAME = /(^|[^a-z])ca[._-]?(private[._-]?)?key(\.pem)?$/i;

export function byName(list: InputResource[], name: string, namespace: string | undefined): InputResource | undefined {
  return list.find((r) => r.name === name && (!namespace || !r.namespace || r.namespace === namespace)) ?? list.find((r) => r.name === name);
}

function dataKeys(res: InputResource | undefined): string[] | undefined {
  if (!res) return undefined;
  return [...Object.keys(asRecord(res.value.data) ?? {}), ...Object.keys(asRecord(res.value.stringData) ?? {})];
}

export interface CaKeyExposure {
  mount: MountEntry;
  /** e.g. "Secret ca-tls key ca.key". */
  what: string;
  /** The file the container can read, e.g. /etc/ca/tls/ca.key. */
  file: string;
  /** True when the Secret was not among the inputs and its name was the only clue. */
  guessed: boolean;
}

/** Secret-backed volumes of `pod` that expose a CA private key, with the key names. */
function caKeyVolumes(pod: PodView, secrets: InputResource[], namespace: string | undefined): Map<string, { what: string; keys: string[]; guessed: boolean }> {
  const out = new Map<string, { what: string; keys: string[]; guessed: boolean }>();
  for (const v of pod.volumes) {
    const sources: Array<{ secretName: string; items?: Array<{ key: string; path: string }> }> = [];
    const secret = asRecord(v.raw.secret);
    if (secret && typeof secret.secretName === "string") sources.push({ secretName: secret.secretName, items: items(secret.items) });
    for (const s of (asRecord(v.raw.projected)?.sources as unknown[] | undefined) ?? []) {
      const ps = asRecord(asRecord(s)?.secret);
      if (ps && typeof ps.name === "string") sources.push({ secretName: ps.name, items: items(ps.items) });
    }
    for (const src of sources) {
      const found = src.items
        ? { keys: src.items.filter((i) => CA_KEY_NAME.test(i.key)).map((i) => i.path), guessed: false }
        : caKeysOf(src.secretName, secrets, namespace);
      if (found.keys.length) out.set(v.name, { what: `Secret ${src.secretName}`, ...found });
    }
  }
  return out;
}

/**
 * The CA-key names a whole Secret holds. A Secret not among the inputs is guessed from its name:
 * a CA Secret (`my-ca`, `ca-tls`) most likely has ca.key.
 */
function caKeysOf(secretName: string, secrets: InputResource[], namespace: string | undefined): { keys: string[]; guessed: boolean } {
  const known = dataKeys(byName(secrets, secretName, namespace));
  if (known) return { keys: known.filter((k) => CA_KEY_NAME.test(k)), guessed: false };
  return /(^|[^a-z])ca([^a-z]|$)/i.test(secretName) ? { keys: ["ca.key"], guessed: true } : { keys: [], guessed: false };
}

function items(v: unknown): Array<{ key: string; path: string }> | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.flatMap((i) => {
    const r = asRecord(i);
    return r && typeof r.key === "string" ? [{ key: r.key, path: typeof r.path === "string" ? r.path : r.key }] : [];
  });
}

/**
 * Where `c` can read a CA private key: a CA Secret mounted into it, or an emptyDir that an init
 * container filled by copying the CA mount into it (the seed's `cp -R /etc/ca/tls /etc/ray`).
 */
export function caKeyExposures(pod: PodView, c: ContainerView, secrets: InputResource[], namespace: string | undefined): CaKeyExposure[] {
  const direct = caKeyVolumes(pod, secrets, namespace);
  const tainted = new Map<string, { what: string; keys: string[]; guessed: boolean }>();
  for (const init of pod.containers.filter((x) => x.kind === "init")) {
    const text = init.argv.join(" ");
    for (const m of init.mounts) {
      const src = direct.get(m.name);
      if (!src) continue;
      const from = m.mountPath.replace(/\/+$/, "");
      // `cp [-R] <ca mount>[/...] <dest>`: the keys end up in the volume mounted at/above dest.
      const re = new RegExp(`\\bcp\\s+(?:-\\w+\\s+)*${escape(from)}(?:/\\S*)?\\s+(\\S+)`);
      const dest = re.exec(text)?.[1];
      if (!dest) continue;
      for (const other of init.mounts) {
        if (other === m) continue;
        const o = other.mountPath.replace(/\/+$/, "");
        if (dest === o || dest.startsWith(o + "/") || o.startsWith(dest + "/")) {
          tainted.set(other.name, { what: `${src.what} (copied by init container ${init.name} into volume ${other.name})`, keys: src.keys, guessed: src.guessed });
        }
      }
    }
  }
  const out: CaKeyExposure[] = [];
  for (const m of c.mounts) {
    const src = direct.get(m.name) ?? tainted.get(m.name);
    if (!src) continue;
    if (m.subPath && !src.keys.includes(m.subPath)) continue;
    const file = m.subPath ? m.mountPath : `${m.mountPath.replace(/\/+$/, "")}/${src.keys[0]}`;
    out.push({ mount: m, what: `${src.what} key ${src.keys.join(", ")}`, file, guessed: src.guessed });
  }
  return out;
}

/** A CA private key that reaches a container's environment: `env[i].valueFrom` or `envFrom[i]`. */
export interface CaKeyEnvExposure {
  /** "env" or "envFrom", and the index there. */
  field: "env" | "envFrom";
  index: number;
  /** e.g. "Secret my-ca key ca.key". */
  what: string;
  /** The variable the container sees. */
  variable: string;
  guessed: boolean;
}

/**
 * Where a CA private key reaches `c` through its environment rather than a mount: a
 * `secretKeyRef` to a CA key, or `envFrom` a Secret that holds one (every key becomes a variable).
 * Worse than a file: environments show up in /proc/<pid>/environ, crash dumps and debug output.
 */
export function caKeyEnvExposures(c: ContainerView, secrets: InputResource[], namespace: string | undefined): CaKeyEnvExposure[] {
  const out: CaKeyEnvExposure[] = [];
  for (const e of c.env) {
    if (e.source) continue; // from envFrom: reported once, below
    const ref = asRecord(e.valueFrom?.secretKeyRef);
    if (ref && typeof ref.name === "string" && typeof ref.key === "string" && CA_KEY_NAME.test(ref.key)) {
      out.push({ field: "env", index: e.index, what: `Secret ${ref.name} key ${ref.key}`, variable: e.name, guessed: false });
    }
  }
  for (const src of c.envFrom.filter((x) => x.kind === "Secret")) {
    const { keys, guessed } = caKeysOf(src.name, secrets, namespace);
    for (const k of keys) out.push({ field: "envFrom", index: src.index, what: `Secret ${src.name} key ${k}`, variable: src.prefix + k, guessed });
  }
  return out;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The script texts an init container runs: its inline command, and ConfigMap files it names. */
export function initScripts(pod: PodView, c: ContainerView, configMaps: InputResource[], namespace: string | undefined): Array<{ where: string; text: string; configMap?: InputResource; key?: string }> {
  const out: Array<{ where: string; text: string; configMap?: InputResource; key?: string }> = [];
  const inline = c.argv.join(" ");
  if (/openssl|pod-cert/.test(inline)) out.push({ where: "its command", text: inline });
  for (const m of c.mounts) {
    const cmSrc = asRecord(volumeOf(pod, m.name)?.raw.configMap);
    if (!cmSrc || typeof cmSrc.name !== "string") continue;
    const cm = byName(configMaps, cmSrc.name, namespace);
    const data = asRecord(cm?.value.data);
    if (!cm || !data) continue;
    const mapped = items(cmSrc.items);
    const dir = m.mountPath.replace(/\/+$/, "");
    for (const token of c.argv.flatMap((a) => a.split(/[\s;&|]+/))) {
      if (!token.startsWith(dir + "/")) continue;
      const rel = token.slice(dir.length + 1);
      const key = mapped ? mapped.find((i) => i.path === rel)?.key : rel;
      const text = key !== undefined ? data[key] : undefined;
      if (typeof text === "string") out.push({ where: `ConfigMap ${cm.name} key ${key}`, text, configMap: cm, key });
    }
  }
  return out;
}

/** Does this init container make certificates (openssl signing, or `raytls pod-cert`)? */
export function isCertInit(scripts: Array<{ text: string }>): boolean {
  return scripts.some((s) => /openssl\s+(x509\s[^\n]*-req|req\b|ca\b)|raytls\s+pod-cert/.test(s.text));
}
