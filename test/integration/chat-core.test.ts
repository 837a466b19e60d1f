// The core's chat service with a recording port: raising from chat, the live thread, coalesced bursts within
// the channel rate, ART-only decisions, second approval, outcomes and answers sent to providers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import { performAction, submitReferral } from "../../src/chat/actions.js";
import { ChatChannelLimiter } from "../../src/chat/channel-limiter.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { JobQueues } from "../../src/jobs/queues.js";
import type { Service } from "../../src/main.js";
import { systemClock } from "../../src/ports.js";
import { createRedis } from "../../src/redis.js";
import { responseTokenFor, responseUrlFor } from "../../src/responses/tokens.js";
import { londonDaysAfter } from "../helpers/dates.js";
import { capturingLogger, freshLot, isolatedEnv } from "../helpers/env.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { RecordingChat } from "../helpers/recording-chat.js";
import { referralInput } from "../helpers/referrals.js";
import { startTestService } from "../helpers/service.js";

/** Offers start a little after today: the core refuses a start date in the past. */
const START_DATE = londonDaysAfter(new Date(), 10);

const chat = new RecordingChat("slack");
const receivers = new WebhookReceivers();
let db: Db;
let config: Config;
let service: Service;
let core: Parameters<typeof performAction>[0];

/** The service's channel schedule, remembering when it granted each slot (the time it booked the slot with). */
class RecordingLimiter extends ChatChannelLimiter {
  readonly granted: { channelId: string; at: number }[] = [];
  override async take(platform: string, channelId: string): Promise<number> {
    const now = Date.now();
    const wait = await super.take(platform, channelId, now);
    if (wait === 0) this.granted.push({ channelId, at: now });
    return wait;
  }
}
let limiter: RecordingLimiter;
let limiterRedis: ReturnType<typeof createRedis>;

const sw = { id: "slack:USW", art: false, mayRaise: true };
const artLead = { id: "slack:UART", art: true, senior: true };
const artHead = { id: "slack:UHEAD", art: true, senior: true };

beforeAll(async () => {
  await receivers.start();
  ({ db, config } = await isolatedEnv("chatcore", {
    CHAT_COALESCE_MS: "200",
    CHAT_CHANNEL_INTERVAL_MS: "150",
    PORT: "0",
  }));
  limiterRedis = createRedis(config.REDIS_URL);
  limiter = new RecordingLimiter(limiterRedis, config.REDIS_PREFIX, Number(config.CHAT_CHANNEL_INTERVAL_MS));
  service = await startTestService({
    config,
    logger: capturingLogger().logger,
    role: "all",
    chats: { slack: chat },
    chatLimiter: limiter,
    channels: { webhook: new WebhookChannel({ timeoutMs: 2000, allowLoopback: true }) },
  });
  core = {
    db,
    clock: systemClock,
    config,
    queues: new JobQueues(createRedis(config.REDIS_URL), config.REDIS_PREFIX),
    logger: capturingLogger().logger,
  };
});
afterAll(async () => {
  await service.close();
  await limiterRedis.quit();
  await core.queues.close();
  await db.$disconnect();
  await receivers.stop();
});

async function providers(lotId: number, n: number, tag: string) {
  for (let i = 0; i < n; i++) {
    await db.provider.create({
      data: {
        name: `${tag} Home ${i}`,
        ofstedGrade: "Good",
        webhookUrl: receivers.urlFor(`/${tag}${i}`),
        webhookSecret: receivers.secretFor(`/${tag}${i}`),
        needsCovered: ["SEMH"],
        lots: { create: { lotId } },
      },
    });
  }
}

const linkOf = (deliveryId: string) =>
  responseUrlFor(service.url!, responseTokenFor(config.RESPONSE_TOKEN_SECRET, deliveryId));
const offer = (deliveryId: string, cost: number) =>
  fetch(linkOf(deliveryId), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "offer", weeklyCostGbp: cost, startDate: START_DATE, needsMet: "Experienced team" }),
  });

describe("chat core", () => {
  it("raises from chat once, keeps the thread live, coalesces a burst, and places with ART's approval", async () => {
    const lot = await freshLot(db);
    await providers(lot.id, 30, "burst");
    const input = referralInput(lot.number, {}, { childName: "Hidden Name" });
    const bad = await submitReferral(core, {
      platform: "slack",
      channelId: "C1",
      actor: sw,
      input: { ...input, profile: { ...input.profile, area: "PE1 2AB" } },
      sourceKey: "v0",
    });
    expect(bad).toMatchObject({ ok: false, fieldErrors: { "profile.area": [expect.any(String)] } });
    const first = await submitReferral(core, { platform: "slack", channelId: "C1", actor: sw, input, sourceKey: "v1" });
    const again = await submitReferral(core, { platform: "slack", channelId: "C1", actor: sw, input, sourceKey: "v1" });
    expect(first.ok && again.ok && again.referralId === first.referralId).toBe(true);
    if (!first.ok) return;
    expect(await db.referral.count({ where: { sourceKey: "v1" } })).toBe(1);

    await eventually(() => chat.items().some((i) => i.kind === "round_opened"), "card and round 1 in the thread");
    expect(chat.calls[0]?.op).toBe("postCard");
    expect(JSON.stringify(chat.calls)).not.toContain("Hidden Name");
    await eventually(() => chat.lastCard()?.counts.sent === 30, "card counts 30 sent");

    // A burst of 30 offers within a second: all shown, in a few posts, never faster than the channel allows.
    const deliveries = await db.delivery.findMany({ where: { round: { referralId: first.referralId } } });
    const before = chat.calls.length;
    await Promise.all(deliveries.map((d, i) => offer(d.id, 3000 + i)));
    await eventually(() => chat.items().filter((i) => i.kind === "offer").length === 30, "30 offers in the thread");
    await eventually(() => chat.lastCard()?.counts.offers === 30, "card shows 30 offers");
    const burstCalls = chat.calls.slice(before);
    // Coalesced: a quiet thread's first offer is posted at once and the rest ride the following syncs, so the 30
    // offers (arriving over a few seconds: each waits its turn on the referral's row lock) share far fewer posts.
    expect(burstCalls.filter((c) => c.op === "replyInThread").length).toBeLessThanOrEqual(12);
    // Every post took a slot of the channel's schedule, and the slots were granted at least the interval apart.
    // (The schedule's own booking times, not the calls' arrival: those measure how busy the machine is.)
    // Edits take a slot only where the platform counts them (ChatPort.editsTakeChannelSlot); new messages always.
    const slotted = new Set([
      "postCard",
      "replyInThread",
      ...(chat.editsTakeChannelSlot ? ["updateCard", "updateThreadMessage"] : []),
    ]);
    const posts = chat.calls.filter((c) => slotted.has(c.op) && c.channelId === "C1");
    const slots = limiter.granted.filter((g) => g.channelId === "C1").map((g) => g.at);
    expect(slots.length).toBeGreaterThanOrEqual(posts.length);
    slots.sort((a, b) => a - b);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(150);
    expect(new Set(chat.items().map((i) => i.key)).size).toBe(chat.items().length); // nothing posted twice

    // A post that fails part-way through a sync (the second of several messages): the retry posts only what is
    // still missing, so every offer of that referral is shown exactly once.
    const lot2 = await freshLot(db);
    await providers(lot2.id, 6, "partial");
    const second = await submitReferral(core, {
      platform: "slack",
      channelId: "C1",
      actor: sw,
      input: referralInput(lot2.number),
      sourceKey: "v-partial",
    });
    if (!second.ok) throw new Error("not raised");
    const linkOf2 = () => db.chatLink.findFirstOrThrow({ where: { referralId: second.referralId } });
    await eventually(async () => (await linkOf2()).threadId != null, "second card posted");
    await eventually(
      async () =>
        (await db.delivery.count({ where: { round: { referralId: second.referralId }, state: "delivered" } })) === 6,
      "delivered",
    );
    await eventually(async () => (await linkOf2()).dirtySince === null, "thread in sync before the offers");
    chat.groupSize = 2;
    chat.failAfterReplies = 1;
    chat.failReplies = 1;
    const partial = await db.delivery.findMany({ where: { round: { referralId: second.referralId } } });
    for (const [i, d] of partial.entries()) expect((await offer(d.id, 3100 + i)).status).toBe(201);
    const threadId = (await linkOf2()).threadId!;
    const shownOffers = () =>
      chat.calls
        .filter((c) => c.op === "replyInThread" && c.threadId === threadId)
        .flatMap((c) => c.items ?? [])
        .filter((i) => i.kind === "offer");
    await eventually(() => shownOffers().length >= 6, "six offers shown", 30_000);
    await eventually(async () => (await linkOf2()).dirtySince === null, "thread in sync after the failure", 30_000);
    expect(chat.failReplies).toBe(0); // the failure did happen
    expect(shownOffers().length).toBe(6);
    expect(new Set(shownOffers().map((i) => i.key)).size).toBe(6);
    chat.groupSize = Number.POSITIVE_INFINITY;

    // Only ART decides; a refusal is audited.
    const offers = await db.response.findMany({
      where: { referralId: first.referralId, type: "offer" },
      orderBy: { weeklyCostPence: "asc" },
    });
    const refused = await performAction(core, "slack", sw, { type: "approve_offer", responseId: offers[0]!.id });
    expect(refused).toMatchObject({ ok: false, code: "forbidden" });
    expect(await db.auditEvent.count({ where: { referralId: first.referralId, action: "refused.approve" } })).toBe(1);
    const details = await performAction(core, "slack", sw, { type: "view_details", referralId: first.referralId });
    expect(details.ok).toBe(false);
    const seen = await performAction(core, "slack", artLead, { type: "view_details", referralId: first.referralId });
    expect(seen).toMatchObject({ ok: true, details: { childName: "Hidden Name" } });

    // Decline one offer, then approve the cheapest (below the threshold): placed.
    expect((await performAction(core, "slack", artLead, { type: "decline_offer", responseId: offers[5]!.id })).ok).toBe(
      true,
    );
    const approved = await performAction(core, "slack", artLead, { type: "approve_offer", responseId: offers[0]!.id });
    expect(approved).toMatchObject({ ok: true });
    const twice = await performAction(core, "slack", artHead, { type: "approve_offer", responseId: offers[1]!.id });
    expect(twice.ok).toBe(false);
    await eventually(() => chat.lastCard()?.status === "placed", "card updated in place to placed");
    expect(chat.lastCard()?.statusText).toContain("Placed with burst Home");
    await eventually(
      () => chat.items().some((i) => i.kind === "decision" && i.outcome === "placed"),
      "decision in the thread",
    );

    // The winner is told it was approved; the other 29 that offered are told no (one of them already was).
    await eventually(
      () => receivers.accepted.filter((a) => a.body.type === "referral.outcome").length === 30,
      "30 outcomes sent",
    );
    const outcomes = receivers.accepted.filter((a) => a.body.type === "referral.outcome");
    expect(outcomes.filter((o) => o.body.outcome === "approved")).toHaveLength(1);
    expect(outcomes.filter((o) => o.body.outcome === "not_taken_up")).toHaveLength(29);
  }, 90_000);

  it("needs a second senior approver above the threshold, and sends answers to questions", async () => {
    const lot = await freshLot(db);
    await providers(lot.id, 2, "dear");
    const r = await submitReferral(core, {
      platform: "slack",
      channelId: "C2",
      actor: sw,
      input: referralInput(lot.number),
      sourceKey: "v2",
    });
    if (!r.ok) throw new Error("not raised");
    const [d1, d2] = await db.delivery.findMany({ where: { round: { referralId: r.referralId } } });
    expect((await offer(d1!.id, 7200)).status).toBe(201);
    const q = await fetch(linkOf(d2!.id), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "question", question: "Any pets?" }),
    });
    expect(q.status).toBe(201);
    const o = await db.response.findFirstOrThrow({ where: { referralId: r.referralId, type: "offer" } });
    const qq = await db.response.findFirstOrThrow({ where: { referralId: r.referralId, type: "question" } });

    expect(await performAction(core, "slack", artLead, { type: "approve_offer", responseId: o.id })).toMatchObject({
      ok: true,
      text: expect.stringContaining("second"),
    });
    await eventually(
      () => chat.items().some((i) => i.kind === "second_approval_needed" && i.referralId === r.referralId),
      "second approval asked in thread",
    );
    expect(
      (
        await performAction(core, "slack", artLead, {
          type: "second_approval",
          referralId: r.referralId,
          approve: true,
        })
      ).ok,
    ).toBe(false);
    expect(
      (
        await performAction(core, "slack", artHead, {
          type: "second_approval",
          referralId: r.referralId,
          approve: true,
        })
      ).ok,
    ).toBe(true);
    expect((await db.referral.findUniqueOrThrow({ where: { id: r.referralId } })).status).toBe("placed");

    // The referring social worker may answer the question; it reaches the provider by its channel.
    expect(
      (
        await performAction(
          core,
          "slack",
          { id: "slack:UOTHER", art: false },
          { type: "answer_question", responseId: qq.id, answer: "x" },
        )
      ).ok,
    ).toBe(false);
    expect(
      (await performAction(core, "slack", sw, { type: "answer_question", responseId: qq.id, answer: "One cat." })).ok,
    ).toBe(true);
    await eventually(
      () => receivers.accepted.some((a) => a.body.type === "referral.answer" && a.body.answer === "One cat."),
      "answer delivered",
    );
    await eventually(
      () => chat.items().some((i) => i.kind === "answer_sent" && i.answer === "One cat."),
      "answer shown in thread",
    );
  });
});
