// The deployment files, checked statically (no Docker engine or cluster runs on the test machines): every
// Kubernetes manifest against the Kubernetes schemas (kubernetes-models), the rules we rely on (probes,
// resources, non-root, read-only root, drop ALL, grace period over the longest job), compose's shape, and the
// Dockerfile's (multi-stage, non-root, health check, production dependencies only, the roles).
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Job } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Secret, Service } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";

const ROOT = resolve(import.meta.dirname, "../..");
const K8S = join(ROOT, "deploy/kubernetes");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");

// biome-ignore lint/suspicious/noExplicitAny: manifests are checked by the schema, then read as plain data.
type Manifest = Record<string, any>;
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Deployment,
  HorizontalPodAutoscaler,
  Job,
  PodDisruptionBudget,
  ConfigMap,
  Secret,
  Service,
};

const manifests: { file: string; doc: Manifest }[] = readdirSync(K8S)
  .filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml")
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S, file), "utf8")).map((d) => ({ file, doc: d.toJS() as Manifest })),
  );
const ofKind = (kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);
const deployment = (component: string) =>
  ofKind("Deployment").find((d) => d.metadata.labels["app.kubernetes.io/component"] === component)!;
const configMap = ofKind("ConfigMap")[0]!;

describe("Kubernetes manifests", () => {
  it("each one is valid against the Kubernetes schema of its kind", () => {
    expect(manifests.length).toBeGreaterThanOrEqual(9);
    for (const { file, doc } of manifests) {
      const Model = MODELS[doc.kind];
      expect(Model, `${file}: ${doc.kind}`).toBeDefined();
      expect(() => new Model!(doc as never).validate(), file).not.toThrow();
    }
  });

  it("the kustomization lists every manifest but the Secret template, and each file it lists exists", () => {
    const kustomization = parse(readFileSync(join(K8S, "kustomization.yaml"), "utf8")) as Manifest;
    const files = new Set(manifests.map((m) => m.file));
    files.delete("secret.example.yaml");
    expect(new Set(kustomization.resources)).toEqual(files);
  });

  it("runs web and worker as separately scalable Deployments with probes, resources and a locked-down container", () => {
    const metricsPort = Number(configMap.data.METRICS_PORT);
    for (const component of ["web", "worker"]) {
      const d = deployment(component);
      const pod = d.spec.template.spec;
      const [c] = pod.containers;
      expect(c.args).toEqual(["serve", "--role", component]);
      expect(c.readinessProbe.httpGet.path).toBe("/readyz");
      expect(c.livenessProbe.httpGet.path).toBe("/healthz");
      const portOf = (name: string) => c.ports.find((p: Manifest) => p.name === name)?.containerPort;
      // The worker has no web server: its probes use the ops listener (METRICS_PORT).
      const probePort = portOf(c.readinessProbe.httpGet.port);
      expect(probePort).toBe(component === "web" ? Number(configMap.data.PORT) : metricsPort);
      expect(portOf("metrics")).toBe(metricsPort);
      expect(c.resources.requests.cpu).toBeDefined();
      expect(c.resources.requests.memory).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(c.envFrom.map((e: Manifest) => e.configMapRef?.name ?? e.secretRef?.name)).toEqual([
        "referral-bot",
        "referral-bot",
      ]);
    }
  });

  it("gives workers longer to stop than the longest job (a webhook send at WEBHOOK_TIMEOUT_MS) with a margin", () => {
    const webhookSeconds = Number(configMap.data.WEBHOOK_TIMEOUT_MS) / 1000;
    expect(deployment("worker").spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
      webhookSeconds + 30,
    );
  });

  it("migrates in a Job, keeps pods from migrating, autoscales workers and guards both with disruption budgets", () => {
    const [job] = ofKind("Job");
    expect(job!.spec.template.spec.containers[0].args).toEqual(["migrate"]);
    expect(job!.spec.template.spec.restartPolicy).toBe("Never");
    expect(configMap.data.MIGRATE_ON_START).toBe("false");
    const [hpa] = ofKind("HorizontalPodAutoscaler");
    expect(hpa!.spec.scaleTargetRef.name).toBe(deployment("worker").metadata.name);
    const budgets = ofKind("PodDisruptionBudget").map(
      (p) => p.spec.selector.matchLabels["app.kubernetes.io/component"],
    );
    expect(budgets.sort()).toEqual(["web", "worker"]);
    const [svc] = ofKind("Service");
    expect(svc!.spec.selector["app.kubernetes.io/component"]).toBe("web");
  });

  it("the Secret is a template: placeholders only, no real secret", () => {
    const [secret] = ofKind("Secret");
    for (const [key, value] of Object.entries(secret!.stringData as Record<string, string>)) {
      const placeholder = value === "" || value.includes("REPLACE_ME") || key === "RESTRICTED_DATA_ACTIVE_KEY";
      expect(placeholder, key).toBe(true);
    }
  });
});

describe("compose.yaml", () => {
  const compose = parse(read("compose.yaml"), { merge: true }) as Manifest;
  const s = compose.services;

  it("has PostgreSQL, Redis, a one-shot migration, web and worker, with health checks and ordered start-up", () => {
    expect(Object.keys(s).sort()).toEqual(["migrate", "postgres", "redis", "web", "worker"]);
    expect(s.redis.command).toEqual(
      expect.arrayContaining(["--appendonly", "yes", "--maxmemory-policy", "noeviction"]),
    );
    expect(s.postgres.healthcheck.test.join(" ")).toContain("pg_isready");
    expect(s.redis.healthcheck.test.join(" ")).toContain("ping");
    expect(s.migrate.command).toEqual(["migrate"]);
    expect(s.migrate.restart).toBe("no");
    expect(s.migrate.depends_on.postgres.condition).toBe("service_healthy");
    for (const role of ["web", "worker"]) {
      expect(s[role].command).toEqual(["serve", "--role", role]);
      expect(s[role].depends_on.migrate.condition).toBe("service_completed_successfully");
      expect(s[role].depends_on.redis.condition).toBe("service_healthy");
      expect(s[role].environment.NODE_ENV).toBe("production");
      expect(s[role].environment.MIGRATE_ON_START).toBe("false");
    }
  });

  it("keeps data in named volumes and requires the secrets instead of defaulting them", () => {
    expect(s.postgres.volumes[0]).toMatch(/^pgdata:/);
    expect(s.redis.volumes[0]).toMatch(/^redisdata:/);
    expect(Object.keys(compose.volumes).sort()).toEqual(["pgdata", "redisdata"]);
    for (const key of [
      "RESPONSE_TOKEN_SECRET",
      "RESTRICTED_DATA_KEYS",
      "RESTRICTED_DATA_ACTIVE_KEY",
      "DUPLICATE_MATCH_KEY",
    ])
      expect(s.web.environment[key]).toMatch(new RegExp(`^\\$\\{${key}:\\?`));
  });
});

describe("Dockerfile", () => {
  const text = read("Dockerfile").replace(/\\\n\s*/g, " ");
  const lines = text.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
  const stages: string[][] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) stages.push([]);
    stages.at(-1)?.push(line);
  }
  const runtime = stages.at(-1)!;

  it("is multi-stage on Node 24 slim, and the runtime stage installs production dependencies only", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/ARG NODE_IMAGE=node:24-bookworm-slim/);
    expect(lines.filter((l) => /^FROM \$\{NODE_IMAGE\} AS \w+/.test(l))).toHaveLength(stages.length);
    expect(runtime.some((l) => /npm ci .*--omit=dev/.test(l))).toBe(true);
    expect(runtime.some((l) => /COPY --from=build \/app\/dist/.test(l))).toBe(true);
    // Only the built output: no TypeScript sources beyond the bin script.
    expect(runtime.filter((l) => /^COPY (src|adapters)\b/.test(l))).toEqual([
      "COPY src/bin/referral-bot.mjs ./src/bin/referral-bot.mjs",
    ]);
  });

  it("runs as a non-root user, with a health check that needs no curl", () => {
    const user = runtime.find((l) => /^USER\s/.test(l));
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER\s+(root|0)(:|\s|$)/);
    const health = runtime.find((l) => /^HEALTHCHECK\s/.test(l));
    expect(health).toMatch(/CMD \["node", "-e", ".*fetch\(.*\/healthz/);
    expect(health).not.toMatch(/curl|wget/);
  });

  it("runs every role from one image by argument", () => {
    expect(runtime).toContain('ENTRYPOINT ["node", "src/bin/referral-bot.mjs"]');
    expect(runtime).toContain('CMD ["serve", "--role", "web"]');
    expect(runtime.some((l) => /NODE_ENV=production/.test(l))).toBe(true);
  });
});
