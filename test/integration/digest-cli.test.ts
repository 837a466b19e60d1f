// `referral-bot digest --now [--dry-run]` as a real process: the dry run prints the plain-text digest and posts
// nothing; without it the digest goes to the configured channel, once a day however often it is run.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { DIGEST_CANARIES, type Seeded, SUMMARY_CANARY, seedDigestData } from "../helpers/digest-seed.js";
import { isolatedEnv } from "../helpers/env.js";
import { envOf } from "../helpers/processes.js";
import { FakeSlackApi } from "../helpers/slack.js";

const exec = promisify(execFile);
const TOKEN = "xoxb-digest-cli";
const slack = new FakeSlackApi(TOKEN);
let db: Db;
let config: Config;
let seeded: Seeded;

async function cli(args: string[], extra: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ["--import", "./test/setup/no-egress.ts", "src/bin/referral-bot.mjs", ...args],
      { env: { ...process.env, ...envOf(config, extra) } },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const slackEnv = () => ({
  SLACK_SIGNING_SECRET: "digest-cli-signing-secret",
  SLACK_BOT_TOKEN: TOKEN,
  SLACK_REFERRALS_CHANNEL: "C0REFERRALS",
  SLACK_API_URL: slack.url,
  DIGEST_SLACK_CHANNEL: "C0ART",
});

beforeAll(async () => {
  await slack.start();
  ({ db, config } = await isolatedEnv("digestcli"));
  seeded = await seedDigestData(db, config);
});
afterAll(async () => {
  await db.$disconnect();
  await slack.stop();
});

describe("digest command", () => {
  it("--dry-run prints the digest as plain text and posts nothing", async () => {
    const r = await cli(["digest", "--now", "--dry-run"], slackEnv());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Daily digest for \w{3} \d{1,2} \w{3} \d{4}\n\d+ unplaced children/);
    expect(r.stdout).toContain(`Emergencies (1)\n  - ${seeded.emergency.reference} · EMERGENCY · Lot 2`);
    for (const canary of [...Object.values(DIGEST_CANARIES), SUMMARY_CANARY]) expect(r.stdout).not.toContain(canary);
    expect(slack.calls).toEqual([]);
    expect(await db.digestPost.count()).toBe(0);
  }, 60_000);

  it("says so when no channel is configured", async () => {
    const r = await cli(["digest", "--now"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("No digest channel");
  }, 60_000);

  it("posts now to the configured channel, and only once a day", async () => {
    const first = await cli(["digest", "--now"], slackEnv());
    expect(first.stdout.trim()).toBe("slack C0ART: posted");
    expect(first.code).toBe(0);
    const second = await cli(["digest", "--now"], slackEnv());
    expect(second.stdout.trim()).toBe("slack C0ART: already posted");
    expect(slack.of("chat.postMessage").filter((c) => c.args.channel === "C0ART")).toHaveLength(1);
    expect(slack.uploads.filter((u) => u.shared?.channelId === "C0ART")).toHaveLength(1);
  }, 60_000);

  it("needs --now", async () => {
    const r = await cli(["digest"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("digest: give --now");
  }, 60_000);
});
