// The core (src/) must never depend on a vendor SDK: adapters implement the core's ports instead.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
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
    const found = ["src/main.ts", "src/cli.ts"].flatMap((f) =>
      [...readFileSync(f, "utf8").matchAll(STATIC_CHAT_ADAPTER)].map((m) => `${f}: ${m[0]}`),
    );
    expect(found).toEqual([]);
    expect('import { mountSlack } from "../adapters/slack/slack-app.js";').toMatch(STATIC_CHAT_ADAPTER);
    expect('import type { App } from "../adapters/teams/teams-app.js";').not.toMatch(STATIC_CHAT_ADAPTER);
  });
});
