/** The vocabulary of `raytls lint`: findings, and what each rule gets to look at. */
import type { CrdValidator } from "../crd-schema.js";
import type { YamlPath } from "../yaml-io.js";

export type Severity = "error" | "warning" | "info";

/** One finding, as a rule reports it (the linter adds file, resource and line). */
export interface RuleFinding {
  rule: string;
  severity: Severity;
  path: YamlPath;
  message: string;
  hint: string;
  /** The resource `path` points into, when it is not the RayCluster (e.g. a script's ConfigMap). */
  on?: InputResource;
}

/** A resource read from the input files. */
export interface InputResource {
  file: string;
  /** 0-based document index within the file. */
  index: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  value: Record<string, unknown>;
  locate(path: YamlPath): { line: number; column: number } | undefined;
}

/** What a rule sees: the RayCluster under test, and the Secrets and ConfigMaps given with it. */
export interface RuleInput {
  cluster: InputResource;
  secrets: InputResource[];
  configMaps: InputResource[];
  crd?: CrdValidator;
}

export type Rule = (input: RuleInput) => RuleFinding[];

/** A rule's documentation, for `--help` and docs/kubernetes.md. */
export interface RuleInfo {
  id: string;
  severity: Severity;
  summary: string;
}
