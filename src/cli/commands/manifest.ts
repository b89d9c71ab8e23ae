/**
 * `raytls manifest`: the seed's Steps 1-3 as Kubernetes YAML (CA Secret, certificate scripts,
 * RayCluster), or a RayCluster for KubeRay's own mTLS. Parses, calls src/k8s, writes or prints.
 */
import path from "node:path";
import type { Command } from "commander";
import { forceOption, keyTypeOption } from "../common-options.js";
import { action, type CliContext } from "../context.js";
import { RaytlsError } from "../../errors.js";

interface ManifestCliOptions {
  name: string;
  namespace: string;
  mode: string;
  caDir?: string;
  rayVersion: string;
  image?: string;
  workerGroup?: string[];
  autoscaler?: boolean;
  keyType?: string;
  headDns?: string[];
  clusterDomain: string;
  crd?: string;
  out?: string;
  force?: boolean;
  raytlsImage?: string;
  networkPolicy?: boolean;
  caSecret?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function registerManifest(program: Command, ctx: CliContext): void {
  program
    .command("manifest")
    .summary("Kubernetes YAML for a TLS RayCluster (seed Steps 1-3)")
    .description(
      "Writes a RayCluster with Ray's mutual TLS turned on: one multi-document YAML on stdout, or one file per " +
        "resource plus kustomization.yaml with --out. See docs/kubernetes.md.",
    )
    .requiredOption("--name <name>", "RayCluster name (the head Service is <name>-head-svc)")
    .option("--namespace <ns>", "namespace of every resource (part of the head FQDN)", "default")
    .option("--mode <mode>", "seed | kuberay-mtls | signer", "seed")
    .option("--ca-dir <dir>", "use DIR/ca.crt and DIR/ca.key (default: make a fresh CA and write it beside the output)")
    .option("--ca-secret <name>", "seed mode: the CA Secret's name (default: <name>-ca-tls; --ca-secret ca-tls is the seed's own)")
    .option("--ray-version <version>", "spec.rayVersion", "2.52.0")
    .option("--image <image>", "Ray image (default: rayproject/ray:<ray-version>)")
    .option("--worker-group <NAME:REPLICAS:MIN:MAX>", "a worker group; repeat for more (default: workers:1:1:5)", collect)
    .option("--autoscaler", "in-tree autoscaling, with the TLS env and mounts on the autoscaler too")
    .addOption(keyTypeOption({ label: "pod and CA key type", optional: true }))
    .option("--head-dns <name>", "extra DNS name in the head certificate, e.g. the short name <name>-head-svc; repeatable", collect)
    .option("--cluster-domain <domain>", "the cluster's DNS domain (FQ_RAY_IP = <name>-head-svc.<ns>.svc.<domain>)", "cluster.local")
    .option("--crd <file>", "validate the RayCluster against this CRD (ray.io_rayclusters.yaml) before writing")
    .option("--raytls-image <image>", "signer mode: the raytls image for the signer and the init containers (default: raytls:0.1.0)")
    .option("--network-policy", "signer mode: a NetworkPolicy that lets only this cluster's pods reach the signer")
    .option("--out <dir>", "write one file per resource and kustomization.yaml into DIR (the CA files too)")
    .addOption(forceOption())
    .addHelpText(
      "after",
      `
Modes:
  seed          (default) CA Secret + certificate scripts + RayCluster: each pod makes its own key and a
                CA-signed certificate in an init container; only that init container sees ca.key
  kuberay-mtls  spec.tlsOptions.enabled: KubeRay >= 1.7 (feature gate RayClusterMTLS) and cert-manager
                issue the certificates
  signer        no CA key in any Ray pod: a signer Deployment holds it; each pod's init container makes its key
                and gets a certificate for its own IP with \`raytls pod-cert --signer\` (docs/signer.md)

Examples:
  raytls manifest --name demo > demo.yaml                 # fresh CA in ./demo-ca/, YAML on stdout
  raytls manifest --name demo --ca-dir ./ca --out ./k8s   # then: kubectl apply -k ./k8s (CA Secret demo-ca-tls)
  raytls manifest --name demo --ca-secret ca-tls          # the seed's own Secret name (one cluster per namespace)
  raytls manifest --name demo --namespace ml --worker-group cpu:2:1:10 --worker-group gpu:0:0:4 --autoscaler
  raytls manifest --name demo --head-dns demo-head-svc    # the short name too (the seed's Step 4)
  raytls manifest --name demo --mode kuberay-mtls         # KubeRay >= 1.7 + cert-manager
  raytls manifest --name demo --mode signer --raytls-image registry.example.com/raytls:0.1.0 --network-policy --out ./k8s
  raytls manifest --name demo --crd ray.io_rayclusters.yaml --out ./k8s
`,
    )
    .action(action(ctx, async (opts: ManifestCliOptions) => runManifest(ctx, opts)));
}

async function runManifest(ctx: CliContext, opts: ManifestCliOptions): Promise<number> {
  const [{ buildManifest, manifestFiles, manifestYaml }, names, parse, { writeFilesAtomically, readInputFile }] = await Promise.all([
    import("../../k8s/manifest.js"),
    import("../../k8s/kuberay-names.js"),
    import("../manifest-flags.js"),
    import("../../io/secure-files.js"),
  ]);
  const { parseKeyType } = await import("../../pki/key-types.js");
  if (opts.mode !== "seed" && opts.mode !== "kuberay-mtls" && opts.mode !== "signer") {
    throw new RaytlsError("bad-mode", `--mode: unknown mode "${opts.mode}"`, { hint: "use seed, kuberay-mtls or signer" });
  }
  const mode = opts.mode;
  const name = names.checkClusterName(opts.name);
  const namespace = names.checkNamespace(opts.namespace);
  const clusterDomain = names.checkClusterDomain(opts.clusterDomain);
  const rayVersion = parse.checkRayVersion(opts.rayVersion);
  const image = opts.image === undefined ? undefined : parse.checkImage(opts.image);
  const workerGroups = parse.parseWorkerGroups(opts.workerGroup ?? []);
  const headDns = parse.parseHeadDns(opts.headDns ?? []);
  const keyType = parseKeyType(opts.keyType ?? "ecdsa-p256");
  const raytlsImage = opts.raytlsImage === undefined ? undefined : parse.checkImage(opts.raytlsImage, "--raytls-image");
  const caSecretName = opts.caSecret === undefined ? undefined : names.checkSecretName(opts.caSecret, "--ca-secret");
  if (caSecretName !== undefined && mode !== "seed") {
    throw new RaytlsError("option-not-for-mode", `--ca-secret only goes with --mode seed`, { hint: "drop --ca-secret: the other modes name their Secrets after the cluster" });
  }
  if (mode !== "signer") {
    const unused = [opts.raytlsImage !== undefined && "--raytls-image", opts.networkPolicy && "--network-policy"].filter(Boolean);
    if (unused.length) throw new RaytlsError("option-not-for-mode", `${unused.join(", ")} only go with --mode signer`, { hint: "add --mode signer, or drop those options" });
  }
  if (mode === "kuberay-mtls") {
    const unused = [opts.caDir && "--ca-dir", opts.keyType && "--key-type", headDns.length && "--head-dns"].filter(Boolean);
    if (unused.length) {
      throw new RaytlsError("option-not-for-mode", `${unused.join(", ")} cannot be used with --mode kuberay-mtls: cert-manager and the KubeRay operator make the CA and the certificates`, {
        hint: "drop those options, or use --mode seed to use your own CA",
      });
    }
  }
  const outDir = opts.out === undefined ? undefined : path.resolve(ctx.cwd, opts.out);
  const caFiles: Array<{ path: string; data: string; mode: number }> = [];
  let ca: { caCertPem: string; caKeyPem: string } | undefined;
  let caWhere = "";
  if (mode === "seed" || mode === "signer") {
    if (opts.caDir !== undefined) {
      const dir = path.resolve(ctx.cwd, opts.caDir);
      const { readCaDir } = await import("../../io/ca-dir.js");
      // Checks it is a usable CA and that the key belongs to the certificate.
      await readCaDir(dir).catch((err: unknown) => {
        if (err instanceof RaytlsError && err.code === "missing-ca-dir") {
          throw new RaytlsError(err.code, `--ca-dir: ${err.message}`, { hint: "make one with `raytls ca create --out DIR`, or leave out --ca-dir for a fresh CA", cause: err });
        }
        throw err;
      });
      // The Secret carries the files' exact bytes, as `kubectl create secret --from-file` would.
      ca = { caCertPem: await readInputFile(path.join(dir, "ca.crt"), "--ca-dir"), caKeyPem: await readInputFile(path.join(dir, "ca.key"), "--ca-dir") };
      caWhere = `CA from ${dir}`;
    } else {
      const { createCa } = await import("../../pki/ca.js");
      const made = await createCa({ keyType, subject: `/CN=raytls CA ${name}/O=raytls` });
      ca = { caCertPem: made.certPem, caKeyPem: made.keyPem };
      const caDir = outDir ?? path.resolve(ctx.cwd, `${name}-ca`);
      caFiles.push({ path: path.join(caDir, "ca.crt"), data: made.certPem, mode: 0o644 }, { path: path.join(caDir, "ca.key"), data: made.keyPem, mode: 0o400 });
      caWhere = `new CA: ${path.join(caDir, "ca.crt")} and ${path.join(caDir, "ca.key")} (expires ${made.notAfter.toISOString().slice(0, 10)}; keep ca.key safe)`;
    }
  }
  // signer mode: one random token per role (32 bytes, base64url), new on every run, never fixed.
  const { randomBytes } = await import("node:crypto");
  const signer = mode === "signer"
    ? { headToken: randomBytes(32).toString("base64url"), workerToken: randomBytes(32).toString("base64url"), networkPolicy: Boolean(opts.networkPolicy), ...(raytlsImage ? { image: raytlsImage } : {}) }
    : undefined;
  const manifest = buildManifest({ name, namespace, mode, clusterDomain, rayVersion, image, workerGroups, autoscaler: Boolean(opts.autoscaler), keyType, headDns, ca, ...(signer ? { signer } : {}), ...(caSecretName ? { caSecretName } : {}) });
  if (opts.crd !== undefined) {
    const crdFile = path.resolve(ctx.cwd, opts.crd);
    const { loadCrd } = await import("../../k8s/crd-schema.js");
    const { formatPath } = await import("../../k8s/yaml-io.js");
    const crd = loadCrd(await readInputFile(crdFile, "--crd"), crdFile);
    const cluster = manifest.resources.find((r) => r.kind === "RayCluster");
    const problems = cluster ? crd.validate(cluster.value, "v1") : [];
    if (problems.length) {
      throw new RaytlsError("crd-violation", `the generated RayCluster does not validate against ${crdFile}: ${problems.map((p) => `${formatPath(p.path)}: ${p.message}`).join("; ")}`, {
        kind: "check",
        hint: "the CRD may be from an older KubeRay release than these options need; nothing was written",
      });
    }
    ctx.err(`RayCluster validates against ${crdFile}\n`);
  }
  for (const note of manifest.notes) ctx.err(`note: ${note}\n`);
  if (outDir !== undefined) {
    const files = manifestFiles(manifest).map((f) => ({ path: path.join(outDir, f.name), data: f.data, mode: f.mode }));
    await writeFilesAtomically([...caFiles, ...files], { force: Boolean(opts.force) });
    ctx.err(`wrote ${files.map((f) => path.basename(f.path)).join(", ")} in ${outDir}\n`);
    if (caWhere) ctx.err(`${caWhere}\n`);
    ctx.err(`workers reach the head at ${manifest.headFqdn}; apply with: kubectl apply -k ${outDir}\n`);
    return 0;
  }
  if (caFiles.length) {
    await writeFilesAtomically(caFiles, { force: Boolean(opts.force) }).catch((err: unknown) => {
      if (err instanceof RaytlsError && err.code === "file-exists") {
        const dir = path.dirname(caFiles[0]!.path);
        throw new RaytlsError(err.code, `${err.message} (a CA from an earlier run)`, {
          hint: `reuse it with --ca-dir ${path.relative(ctx.cwd, dir) || "."}, or pass --force to replace it with a new CA (nothing was written)`,
          cause: err,
        });
      }
      throw err;
    });
  }
  if (caWhere) ctx.err(`${caWhere}\n`);
  ctx.out(manifestYaml(manifest));
  return 0;
}
