// Placement hand-off to the council's own systems: an approval that places the child sends placement.agreed,
// signed, to a loopback council endpoint, with the child's case id decrypted at send time; a failing endpoint is
// retried with the same webhook-id; nothing is queued when COUNCIL_WEBHOOK_URL is unset; and the day's
// placements come out of `referral-bot placements-csv` with the same fields; the reconciler requeues a pending
// row whose job Redis lost.
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placementAgreedSchema } from "../../adapters/webhook/council-payload.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { londonDate } from "../../src/digest/london.js";
import { councilMessageJob } from "../../src/jobs/council-message.js";
import type { JobDeps } from "../../src/jobs/deps.js";
import { JobQueues } from "../../src/jobs/queues.js";
import { reconcile } from "../../src/jobs/reconciler.js";
import type { Service } from "../../src/main.js";
import { systemClock } from "../../src/ports.js";
import { ensureLots } from "../../src/providers/directory.js";
import { createRedis } from "../../src/redis.js";
import { keyRingOf } from "../../src/referrals/create.js";
import { PLACEMENTS_CSV_HEADER, writePlacementsCsvFile } from "../../src/reporting/placements-csv.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { makeProvider, offer, openReferralWithDeliveries, referralInput } from "../helpers/referrals.js";
import { ART_TOKEN, postJson, startTestService } from "../helpers/service.js";

const exec = promisify(execFile);
const clock = systemClock;
const receivers = new WebhookReceivers();
const COUNCIL = "/council";
const never = (): Promise<never> => Promise.reject(new Error("not expected to wait"));

async function placeChild(deps: { db: Db; config: Config; service: Service }, caseSystemId?: string) {
  const { db, config, service } = deps;
  const lot2 = await db.lot.findUniqueOrThrow({ where: { number: 2 } });
  const provider = await makeProvider(db, lot2.id, { ofstedUrn: `SC${Math.floor(Math.random() * 1e6)}` });
  const input = referralInput(2, {}, caseSystemId ? { caseSystemId } : {}, clock.now());
  const r = await openReferralWithDeliveries({ db, clock, config }, 2, [provider.id], input);
  const o = await offer({ db, clock }, r.deliveryIds[0]!, 4200);
  const approved = await postJson(
    `${service.url}/api/v1/offers/${o.id}/approve`,
    { placement: { educationContinuity: true } },
    ART_TOKEN,
  );
  expect(approved).toMatchObject({ status: 200, body: { status: "placed" } });
  return { r, provider };
}

describe("placement hand-off with COUNCIL_WEBHOOK_URL", () => {
  let db: Db;
  let config: Config;
  let service: Service;

  beforeAll(async () => {
    await receivers.start();
    ({ db, config } = await isolatedEnv("council", {
      ART_API_TOKENS: `art:${ART_TOKEN}:decisions:write+reports:read`,
      COUNCIL_WEBHOOK_URL: receivers.urlFor(COUNCIL),
      COUNCIL_WEBHOOK_SECRET: receivers.secretFor(COUNCIL),
      WEBHOOK_ALLOW_LOOPBACK: "true",
      DELIVERY_BACKOFF_MS: "100",
      DELIVERY_MAX_ATTEMPTS: "3",
    }));
    await ensureLots(db);
    service = await startTestService({ config, logger: capturingLogger().logger, role: "all" });
  });
  afterAll(async () => {
    await service?.close();
    await db?.$disconnect();
    await receivers.stop();
  });

  it("sends placement.agreed, signed, with the case id, provider, start date, cost and placement fields", async () => {
    receivers.behaviour = () => ({ status: 200 });
    const { r, provider } = await placeChild({ db, config, service }, "LCS-778812");
    const row = await db.councilMessage.findUniqueOrThrow({
      where: { referralId_kind: { referralId: r.id, kind: "placement.agreed" } },
    });
    await eventually(() => receivers.accepted.some((a) => a.id === row.id), "council endpoint reached");
    expect(receivers.badSignatures).toEqual([]);
    const got = receivers.accepted.find((a) => a.id === row.id)!;
    expect(got.path).toBe(COUNCIL);
    const body = placementAgreedSchema.parse(got.body);
    const offerRow = await db.response.findFirstOrThrow({ where: { referralId: r.id } });
    const referral = await db.referral.findUniqueOrThrow({ where: { id: r.id } });
    expect(body).toMatchObject({
      type: "placement.agreed",
      id: row.id,
      referral: { reference: r.reference, case_id: "LCS-778812" },
      provider: { id: provider.id, name: provider.name, ofsted_urn: provider.ofstedUrn },
      start_date: offerRow.startDate!.toISOString().slice(0, 10),
      cost: { weekly_equivalent_pence: 420_000, basis: "weekly", amount_pence: 420_000, add_ons: [] },
      placement: {
        placement_type: "residential",
        location: "PE1",
        in_preferred_location: true,
        education_continuity: true,
      },
      decided_by: expect.stringContaining("art"),
      approved_at: referral.placedAt!.toISOString(),
    });
    await eventually(
      async () => (await db.councilMessage.findUniqueOrThrow({ where: { id: row.id } })).state === "sent",
      "row marked sent",
    );
    expect(await db.auditEvent.count({ where: { referralId: r.id, action: "council.placement_sent" } })).toBe(1);

    // A sent row is never sent again: the job run once more (a repeat from the relay) sends nothing.
    const sends: string[] = [];
    const deps = {
      db,
      clock,
      config,
      council: { send: async (m: { messageId: string }) => void sends.push(m.messageId) },
    };
    const ctx = { logger: capturingLogger().logger, attempt: 1, maxAttempts: 3, retryLater: () => never() };
    await councilMessageJob.handle(deps as unknown as JobDeps, { messageId: row.id }, ctx);
    expect(sends).toEqual([]);
  });

  it("retries a failing endpoint with the same webhook-id until it accepts, once", async () => {
    receivers.behaviour = ({ attempt }) => (attempt === 1 ? { status: 503 } : { status: 200 });
    const { r } = await placeChild({ db, config, service });
    const row = await db.councilMessage.findFirstOrThrow({ where: { referralId: r.id } });
    await eventually(
      async () => (await db.councilMessage.findUniqueOrThrow({ where: { id: row.id } })).state === "sent",
      "sent after a retry",
    );
    expect(receivers.attempts.get(`${COUNCIL}#${row.id}`)).toBe(2);
    expect(receivers.accepted.filter((a) => a.id === row.id)).toHaveLength(1);
    const sent = await db.councilMessage.findUniqueOrThrow({ where: { id: row.id } });
    expect(sent).toMatchObject({ attempts: 2, lastError: null });
    // No case id given: null, not absent.
    expect(receivers.accepted.find((a) => a.id === row.id)!.body).toMatchObject({ referral: { case_id: null } });
  });

  it("writes the day's placements as CSV from the CLI and the daily job's file, with the same fields", async () => {
    receivers.behaviour = () => ({ status: 200 });
    const { r, provider } = await placeChild({ db, config, service }, "MOS-55120");
    const referral = await db.referral.findUniqueOrThrow({ where: { id: r.id } });
    const date = londonDate(referral.placedAt!);
    const cli = await exec(process.execPath, ["src/bin/referral-bot.mjs", "placements-csv", "--date", date], {
      env: { ...process.env, DATABASE_URL: config.DATABASE_URL, REDIS_URL: config.REDIS_URL },
    });
    const [header, ...rows] = cli.stdout.trimEnd().split("\r\n");
    expect(header).toBe(PLACEMENTS_CSV_HEADER.join(","));
    const row = rows.find((line) => line.startsWith(`${r.reference},`))!.split(",");
    const cell = (name: (typeof PLACEMENTS_CSV_HEADER)[number]) => row[PLACEMENTS_CSV_HEADER.indexOf(name)];
    expect(cell("case_id")).toBe("MOS-55120");
    expect(cell("provider_id")).toBe(provider.id);
    expect(cell("provider_ofsted_urn")).toBe(provider.ofstedUrn);
    expect(cell("weekly_equivalent_pence")).toBe("420000");
    expect(cell("placement_type")).toBe("residential");
    expect(cell("education_continuity")).toBe("true");
    expect(cell("approved_at")).toBe(referral.placedAt!.toISOString());
    // Another day holds none of them.
    const other = await exec(process.execPath, ["src/bin/referral-bot.mjs", "placements-csv", "--date", "2020-01-01"], {
      env: { ...process.env, DATABASE_URL: config.DATABASE_URL, REDIS_URL: config.REDIS_URL },
    });
    expect(other.stdout).toBe(`${PLACEMENTS_CSV_HEADER.join(",")}\r\n`);

    // The daily job's file: the same CSV, rewritten in place on a rerun.
    const dir = await mkdtemp(join(tmpdir(), "placements-"));
    const deps = { db, keyRing: keyRingOf(config), now: clock.now() };
    const first = await writePlacementsCsvFile(deps, dir, date, "system");
    expect(first.path).toBe(join(dir, `placements-${date}.csv`));
    expect(await readFile(first.path, "utf8")).toBe(cli.stdout);
    await writePlacementsCsvFile(deps, dir, date, "system");
    expect(await readFile(first.path, "utf8")).toBe(cli.stdout);
  });
});

describe("placement hand-off without COUNCIL_WEBHOOK_URL", () => {
  it("queues nothing for the council", async () => {
    const { db, config } = await isolatedEnv("nocouncil", {
      ART_API_TOKENS: `art:${ART_TOKEN}:decisions:write`,
    });
    await ensureLots(db);
    const service = await startTestService({ config, logger: capturingLogger().logger, role: "web" });
    try {
      const { r } = await placeChild({ db, config, service }, "LCS-1");
      expect(await db.referral.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "placed" });
      expect(await db.councilMessage.count()).toBe(0);
      expect(await db.outboxEvent.count({ where: { kind: "council.messages" } })).toBe(0);

      // Redis lost the job of a row still pending (here: one written without its job): the reconciler queues it.
      const row = await db.councilMessage.create({ data: { referralId: r.id, kind: "placement.agreed" } });
      const redis = createRedis(config.REDIS_URL);
      const queues = new JobQueues(redis, config.REDIS_PREFIX);
      try {
        await reconcile({ db, queues, config, clock, chats: {} });
        const queue = queues.queue(councilMessageJob.name);
        expect(await queue.getJobState(councilMessageJob.jobId({ messageId: row.id }))).not.toBe("unknown");
      } finally {
        await queues.close();
        await redis.quit();
      }
    } finally {
      await service.close();
      await db.$disconnect();
    }
  });
});
