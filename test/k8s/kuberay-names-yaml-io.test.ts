/** KubeRay naming (facts section 4) and YAML in/out the way kubectl reads it. */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkClusterDomain, checkClusterName, headFqdn, headServiceName, headShortName } from "../../src/k8s/kuberay-names.js";
import { formatPath, parseYamlDocuments, stringifyYaml } from "../../src/k8s/yaml-io.js";

describe("KubeRay naming", () => {
  it("head Service, FQ_RAY_IP and RAY_IP as the operator makes them", () => {
    expect(headServiceName("raycluster-tls")).toBe("raycluster-tls-head-svc");
    expect(headFqdn("raycluster-tls", "default", "cluster.local")).toBe("raycluster-tls-head-svc.default.svc.cluster.local");
    expect(headFqdn("rc", "ml", "corp.example.")).toBe("rc-head-svc.ml.svc.corp.example");
    expect(headFqdn("rc")).toBe("rc-head-svc.default.svc.cluster.local");
    expect(headShortName("rc")).toBe("rc-head-svc");
    expect(headServiceName("rc", "custom")).toBe("custom");
  });
  it("refuses names KubeRay cannot turn into a Service name", () => {
    expect(checkClusterName("a".repeat(54))).toHaveLength(54);
    expect(() => checkClusterName("a".repeat(55))).toThrow(/at most 54/);
    expect(() => checkClusterName("Upper")).toThrow(/--name: "Upper"/);
    expect(() => checkClusterDomain("bad_domain")).toThrow(/--cluster-domain/);
  });
});

describe("YAML the way Kubernetes reads it", () => {
  it("strings that YAML 1.1 would read as booleans or octal stay quoted", () => {
    const text = stringifyYaml({ a: "on", b: "yes", c: "0777", d: "1", e: "y", f: "off" });
    expect(parse(text, { version: "1.1" })).toEqual({ a: "on", b: "yes", c: "0777", d: "1", e: "y", f: "off" });
    expect(parse(text)).toEqual({ a: "on", b: "yes", c: "0777", d: "1", e: "y", f: "off" });
  });
  it("multi-line strings become literal blocks, never folded", () => {
    const script = `#!/bin/sh\necho "${"x".repeat(200)}"\n`;
    const text = stringifyYaml({ s: script });
    expect(text).toMatch(/^s: \|\n/);
    expect(parse(text).s).toBe(script);
  });
  it("parses as YAML 1.1 (0777 is octal) and locates paths by line and column", () => {
    const [doc] = parseYamlDocuments("a:\n  b:\n    - x: 1\n      mode: 0777\n", "f.yaml");
    expect(doc!.value).toEqual({ a: { b: [{ x: 1, mode: 0o777 }] } });
    expect(doc!.locate(["a", "b", 0, "mode"])).toEqual({ line: 4, column: 13 });
    // A path that is not there points at its nearest existing parent.
    expect(doc!.locate(["a", "b", 0, "nope"])).toEqual({ line: 3, column: 7 });
  });
  it("skips empty documents, and names file:line:column on a syntax error", () => {
    expect(parseYamlDocuments("---\n---\na: 1\n", "f.yaml").map((d) => d.value)).toEqual([{ a: 1 }]);
    expect(() => parseYamlDocuments("a: 1\nb: [1\n", "g.yaml")).toThrow(/^g\.yaml:\d+:\d+: cannot parse YAML/);
  });
  it("formats paths as spec.workerGroupSpecs[0].template", () => {
    expect(formatPath(["spec", "workerGroupSpecs", 0, "template"])).toBe("spec.workerGroupSpecs[0].template");
    expect(formatPath(["data", "gencert_head.sh"])).toBe('data["gencert_head.sh"]');
  });
});
