/**
 * YAML in and out the way Kubernetes reads it.
 *
 * kubectl parses YAML 1.1 (sigs.k8s.io/yaml over go-yaml v2): `on`, `yes`, `y` are booleans and
 * `0777` is octal 511. So manifests are parsed as YAML 1.1 here, and emitted so that a YAML 1.1
 * reader and a YAML 1.2 reader both see the same values (`compat: "yaml-1.1"` quotes such strings).
 */
import { Document, LineCounter, parseAllDocuments, isNode } from "yaml";
import { RaytlsError } from "../errors.js";

/** A path into a document: object keys and array indexes. */
export type YamlPath = Array<string | number>;

/** `["spec","workerGroupSpecs",0,"template"]` -> `spec.workerGroupSpecs[0].template`. */
export function formatPath(path: YamlPath): string {
  let s = "";
  for (const seg of path) {
    if (typeof seg === "number") s += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) s += s === "" ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}

export interface ParsedDocument {
  /** 0-based position of the document in its file. */
  index: number;
  /** The plain value (objects, arrays, scalars). */
  value: unknown;
  /** 1-based line and column of the node at `path`, or of the document when the path is not there. */
  locate(path: YamlPath): { line: number; column: number } | undefined;
}

/**
 * Parses a multi-document YAML text. Throws `RaytlsError` (code "yaml-parse", exit 2) naming
 * `file:line:column` of the first syntax error. Empty documents are skipped.
 */
export function parseYamlDocuments(text: string, file: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { version: "1.1", lineCounter, prettyErrors: false, uniqueKeys: true });
  // An input without documents gives an empty stream (an empty array).
  const list = Array.from(docs);
  const out: ParsedDocument[] = [];
  list.forEach((doc, index) => {
    const first = doc.errors[0];
    if (first) {
      const pos = lineCounter.linePos(first.pos[0]);
      throw new RaytlsError("yaml-parse", `${file}:${pos.line}:${pos.col}: cannot parse YAML: ${firstLine(first.message)}`, {
        hint: "fix the YAML syntax at that line and column (indentation, a missing ':' or an unclosed quote are the usual causes)",
      });
    }
    if (doc.contents === null) return;
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    out.push({
      index,
      value,
      locate(path) {
        for (let n = path.length; n >= 0; n--) {
          const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
          if (isNode(node) && node.range) {
            const p = lineCounter.linePos(node.range[0]);
            return { line: p.line, column: p.col };
          }
        }
        return undefined;
      },
    });
  });
  return out;
}

/** The parser's message without its own " at line L, column C:" tail (the position leads ours). */
function firstLine(s: string): string {
  return (s.split("\n")[0] ?? s).replace(/ at line \d+, column \d+:?$/, "");
}

/** A resource to emit, with an optional comment printed above it. */
export interface EmitDocument {
  value: unknown;
  comment?: string;
}

/** One YAML document, safe for YAML 1.1 readers; long strings are never folded. */
export function stringifyYaml(value: unknown, comment?: string): string {
  const doc = new Document(value, { compat: "yaml-1.1" });
  if (comment) doc.commentBefore = comment.split("\n").map((l) => (l ? ` ${l}` : "")).join("\n");
  return doc.toString({ lineWidth: 0, blockQuote: "literal", indentSeq: true });
}

/** A multi-document stream (`---` between documents). */
export function stringifyYamlDocuments(docs: EmitDocument[]): string {
  return docs.map((d) => stringifyYaml(d.value, d.comment)).join("---\n");
}
