/**
 * Validates a RayCluster against the RayCluster CRD's `openAPIV3Schema`, as the API server would
 * with strict field validation:
 *
 * - the `x-kubernetes-*` keywords are known (and carry no check here; CEL `x-kubernetes-validations`
 *   need the old object and are left to the API server);
 * - an unknown field is an error wherever the schema lists `properties` and does not set
 *   `x-kubernetes-preserve-unknown-fields` (kubectl's default `--validate=strict`);
 * - `int-or-string` is the schema's own `anyOf: [integer, string]`;
 * - the Kubernetes formats `int32`, `int64`, `date-time` are checked.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { RaytlsError } from "../errors.js";
import type { YamlPath } from "./yaml-io.js";

export interface SchemaViolation {
  path: YamlPath;
  message: string;
}

/** A compiled CRD: one validator per served version (`v1`, `v1alpha1`). */
export interface CrdValidator {
  group: string;
  kind: string;
  versions: string[];
  /** Violations of `obj` against version `version`'s schema; throws if the version is not in the CRD. */
  validate(obj: unknown, version: string): SchemaViolation[];
}

const K8S_KEYWORDS = [
  "x-kubernetes-int-or-string",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-list-type",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-embedded-resource",
];

/** Parses a CRD (YAML text) and compiles its schemas lazily. `file` names it in errors. */
export function loadCrd(text: string, file: string): CrdValidator {
  // Every document is read (a file of several is not a parse error, issue 11); the CRD is the one
  // of kind CustomResourceDefinition.
  const docs = parseAllDocuments(text, { version: "1.1" });
  const bad = (Array.isArray(docs) ? docs : []).find((d) => d.errors.length > 0);
  if (!Array.isArray(docs) || bad) {
    const why = bad ? bad.errors[0]!.message.split("\n")[0] : "no YAML documents";
    throw new RaytlsError("crd-parse", `--crd ${file}: cannot parse YAML: ${why}`, {
      hint: "pass the CustomResourceDefinition file, e.g. ray.io_rayclusters.yaml from KubeRay's config/crd/bases",
    });
  }
  const values = docs.map((d) => d.toJS() as { kind?: string } | null);
  const crd = values.find((v) => v?.kind === "CustomResourceDefinition") ?? (values.length === 1 ? values[0] : undefined);
  if (crd === undefined) {
    const kinds = values.map((v) => v?.kind ?? "(no kind)").join(", ");
    throw new RaytlsError("crd-invalid", `--crd ${file}: not a CustomResourceDefinition (its ${values.length} documents are ${kinds})`, {
      hint: "pass the CustomResourceDefinition file, e.g. ray.io_rayclusters.yaml from KubeRay's config/crd/bases (not a manifest)",
    });
  }
  const c = crd as { kind?: string; spec?: { group?: string; names?: { kind?: string }; versions?: Array<{ name?: string; schema?: { openAPIV3Schema?: unknown } }> } };
  if (!c || c.kind !== "CustomResourceDefinition" || !Array.isArray(c.spec?.versions)) {
    throw new RaytlsError("crd-invalid", `--crd ${file}: not a CustomResourceDefinition (kind is ${JSON.stringify(c?.kind)})`, {
      hint: "pass the CustomResourceDefinition file, e.g. ray.io_rayclusters.yaml from KubeRay's config/crd/bases",
    });
  }
  const schemas = new Map<string, unknown>();
  for (const v of c.spec.versions) {
    if (v.name && v.schema?.openAPIV3Schema) schemas.set(v.name, v.schema.openAPIV3Schema);
  }
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
  for (const k of K8S_KEYWORDS) ajv.addKeyword({ keyword: k, schemaType: ["boolean", "string", "array", "object"] });
  ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i);
  const compiled = new Map<string, ValidateFunction>();
  return {
    group: c.spec.group ?? "",
    kind: c.spec.names?.kind ?? "",
    versions: [...schemas.keys()],
    validate(obj, version) {
      let fn = compiled.get(version);
      if (!fn) {
        const schema = schemas.get(version);
        if (!schema) {
          throw new RaytlsError("crd-version", `--crd ${file}: the CRD has no version ${version} (it has ${[...schemas.keys()].join(", ")})`, {
            hint: "use an apiVersion the CRD serves, or pass the CRD of the KubeRay release you run",
          });
        }
        fn = ajv.compile(strictObjects(structuredClone(schema)) as object);
        compiled.set(version, fn);
      }
      return fn(toPlainJson(obj)) ? [] : violations(fn.errors ?? []);
    },
  };
}

/** Adds `additionalProperties: false` where the API server prunes or rejects unknown fields. */
function strictObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) {
    schema.forEach(strictObjects);
    return schema;
  }
  if (schema && typeof schema === "object") {
    const s = schema as Record<string, unknown>;
    for (const [k, v] of Object.entries(s)) {
      // `properties` maps names to schemas: recurse into each, not into the map itself as a schema.
      if (k === "properties" && v && typeof v === "object") Object.values(v).forEach(strictObjects);
      else if (k !== "enum" && k !== "default" && k !== "example") strictObjects(v);
    }
    if (s.properties && s["x-kubernetes-preserve-unknown-fields"] !== true && s.additionalProperties === undefined) {
      s.additionalProperties = false;
    }
  }
  return schema;
}

/** YAML 1.1 may give Dates (timestamps) and other non-JSON values: validate what the API server gets. */
function toPlainJson(obj: unknown): unknown {
  return JSON.parse(JSON.stringify(obj ?? null)) as unknown;
}

function violations(errors: ErrorObject[]): SchemaViolation[] {
  const anyOfAt = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  const out: SchemaViolation[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // int-or-string: report "must be an integer or a string" once, not each branch.
    if (e.keyword === "type" && anyOfAt.has(e.instancePath) && /\/anyOf\/\d+\/type$/.test(e.schemaPath)) continue;
    const path = pointerToPath(e.instancePath);
    let message: string;
    switch (e.keyword) {
      case "additionalProperties":
        path.push(String((e.params as { additionalProperty: string }).additionalProperty));
        message = "unknown field (not in the CRD schema)";
        break;
      case "required":
        path.push(String((e.params as { missingProperty: string }).missingProperty));
        message = "required field is missing";
        break;
      case "enum":
        message = `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(", ")}`;
        break;
      case "anyOf":
        message = "must be an integer or a string";
        break;
      default:
        message = e.message ?? e.keyword;
    }
    const key = JSON.stringify([path, message]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}

function pointerToPath(pointer: string): YamlPath {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}
