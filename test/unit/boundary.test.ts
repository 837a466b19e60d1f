// The core (src/) must never depend on a vendor SDK: adapters implement the core's ports instead.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

const FORBIDDEN =
  /(?:from\s+|import\s*\(\s*|require\s*\(\s*)["'](@slack\/[^"']*|@microsoft\/[^"']*|nodemailer|botbuilder[^"']*)["']/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" ? [] : sourceFiles(p);
    return /\.(ts|mts|js|mjs|cjs)$/.test(e.name) ? [p] : [];
  });
}

function vendorImports(files: string[]): string[] {
  return files.flatMap((f) => [...readFileSync(f, "utf8").matchAll(FORBIDDEN)].map((m) => `${f}: ${m[1]}`));
}

const RELATIVE_IMPORT = /(?:from\s+|import\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g;

/** The src/ files a file imports, as paths from the repository root (`src/jobs/queues.ts`). */
function localImports(file: string, text = readFileSync(file, "utf8")): string[] {
  return [...text.matchAll(RELATIVE_IMPORT)].map((m) => normalize(join(dirname(file), m[1]!)).replace(/\.js$/, ".ts"));
}

/** Entry points wire handlers to queues; everything else reaches jobs through src/queue/ (the contracts). */
const ENTRY_POINTS = /^src\/(main\.ts|cli\.ts|cli-withdraw\.ts|cli\/|bin\/|roles\/)/;

function backArrowsIntoJobs(files: [file: string, text?: string][]): string[] {
  return files.flatMap(([f, text]) =>
    f.startsWith("src/jobs/") || ENTRY_POINTS.test(f)
      ? []
      : localImports(f, text)
          .filter((i) => i.startsWith("src/jobs/"))
          .map((i) => `${f} -> ${i}`),
  );
}

describe("architecture boundary", () => {
  it("src/ imports no vendor SDK (@slack/*, @microsoft/*, nodemailer)", () => {
    const files = sourceFiles("src");
    expect(files.length).toBeGreaterThan(10);
    expect(vendorImports(files)).toEqual([]);
  });

  it("the check itself catches every import form", () => {
    const samples = [
      'import { App } from "@slack/bolt";',
      "const t = await import('@microsoft/teams.apps');",
      'const n = require("nodemailer");',
      'export { x } from "@slack/web-api";',
    ].join("\n");
    expect([...samples.matchAll(FORBIDDEN)].map((m) => m[1])).toEqual([
      "@slack/bolt",
      "@microsoft/teams.apps",
      "nodemailer",
      "@slack/web-api",
    ]);
  });

  it("the composition roots load a chat adapter (and its SDK) only when its platform is configured", () => {
    // A static import would load Bolt or the Teams SDK (tens of MB) into every process, configured or not.
    const STATIC_CHAT_ADAPTER = /^import\s+(?!type\b)[^;]*?from\s+["'][./]*adapters\/(slack|teams)\/[^"']*["']/gm;
    const found = ["src/main.ts", "src/cli.ts", ...sourceFiles("src/roles")].flatMap((f) =>
      [...readFileSync(f, "utf8").matchAll(STATIC_CHAT_ADAPTER)].map((m) => `${f}: ${m[0]}`),
    );
    expect(found).toEqual([]);
    expect('import { mountSlack } from "../adapters/slack/slack-app.js";').toMatch(STATIC_CHAT_ADAPTER);
    expect('import type { App } from "../adapters/teams/teams-app.js";').not.toMatch(STATIC_CHAT_ADAPTER);
  });

  it("the composition root loads a role's code (handlers, routes) only in a process that runs that role", () => {
    // A worker holding the web routes, or a web process holding every job handler, spends memory for nothing.
    const ROLE_CODE =
      /^import\s+(?!type\b)[^;]*?from\s+["']\.\/(roles\/(web|worker)|jobs\/(all|runtime)|http\/)[^"']*["']/gm;
    expect(readFileSync("src/main.ts", "utf8").match(ROLE_CODE) ?? []).toEqual([]);
    expect('import { startWorkers } from "./jobs/runtime.js";').toMatch(ROLE_CODE);
    expect('import type { RoleContext } from "./roles/context.js";').not.toMatch(ROLE_CODE);
  });

  it("loads mailparser, bull-board and the tracing SDK only when they are used", () => {
    // Each is several MB of heap that most processes never need (a worker parses no mail and shows no dashboard;
    // tracing is off unless configured): a static import would put them into every process at start-up.
    const LAZY =
      /^import\s+(?!type\b)[^;]*?from\s+["'](mailparser|@bull-board\/[^"']*|@opentelemetry\/(?!api["'])[^"']*)["']/gm;
    const staticImports = (files: [file: string, text: string][]) =>
      files.flatMap(([f, text]) => [...text.matchAll(LAZY)].map((m) => `${f}: ${m[1]}`));
    const files = [...sourceFiles("src"), ...sourceFiles("adapters")].filter((f) => !f.startsWith("src/demo/"));
    expect(staticImports(files.map((f) => [f, readFileSync(f, "utf8")]))).toEqual([]);
    expect(
      staticImports([
        ["a.ts", 'import { simpleParser } from "mailparser";'],
        ["b.ts", 'import { ExpressAdapter } from "@bull-board/express";'],
        ["c.ts", 'import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";'],
        ["d.ts", 'import { trace } from "@opentelemetry/api";\nimport type { HeaderValue } from "mailparser";'],
      ]),
    ).toEqual(["a.ts: mailparser", "b.ts: @bull-board/express", "c.ts: @opentelemetry/sdk-trace-node"]);
  });

  it("only the entry points import the job handlers (src/jobs/); the domain enqueues through src/queue/", () => {
    const files = sourceFiles("src");
    expect(backArrowsIntoJobs(files.map((f) => [f]))).toEqual([]);
    // The check sees a back-arrow in either import form, and lets the composition root through.
    expect(
      backArrowsIntoJobs([
        ["src/chat/request-sync.ts", 'import { chatSyncJob } from "../jobs/chat-sync.js";'],
        ["src/delivery/x.ts", 'const m = await import("../jobs/deps.js");'],
        ["src/main.ts", 'import { allJobTypes } from "./jobs/all.js";'],
      ]),
    ).toEqual(["src/chat/request-sync.ts -> src/jobs/chat-sync.ts", "src/delivery/x.ts -> src/jobs/deps.ts"]);
  });

  it("src/queue/ is the bottom layer: it imports nothing from the domain or the handlers", () => {
    const allowed = new Set(["src/redis.ts", "src/observability/context.ts"]);
    const found = sourceFiles("src/queue").flatMap((f) =>
      localImports(f)
        .filter((i) => !i.startsWith("src/queue/") && !allowed.has(i))
        .map((i) => `${f} -> ${i}`),
    );
    expect(sourceFiles("src/queue").length).toBeGreaterThanOrEqual(2);
    expect(found).toEqual([]);
  });
});
