// A case system raises referrals through POST /api/v1/referrals: the card appears in the Slack and Teams referrals
// channels (the local fakes) and the round fans out to providers, as a chat-raised referral does. A repeat with the
// same Idempotency-Key is the same referral; a second referral for a child with a live one is refused (409) unless
// it gives a reason; siblings are linked on purpose; GET answers status, rounds, offers, decisions, and the child's
// details only with their scope. No name, date of birth or case id is stored in clear.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { ensureLots } from "../../src/providers/directory.js";
import { eraseReferral } from "../../src/retention/erase.js";
import { birthDateForAge, londonDaysAfter } from "../helpers/dates.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { canaries, databaseText } from "../helpers/leak-search.js";
import { eventually, WebhookReceivers, webhookProviders } from "../helpers/receivers.js";
import { freePort, startTestService } from "../helpers/service.js";
import { FakeSlackApi, slackSettings } from "../helpers/slack.js";
import { LocalConnector } from "../helpers/teams.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field in assertions
type Json = Record<string, any>;
const WRITER = "intake-writer-token-0123456789abcdefghij";
const READER = "intake-reader-token-0123456789abcdefghij";
const RESTRICTED = "intake-restricted-token-0123456789abcdefgh";
const TEAMS_CHANNEL = "19:referrals@thread.tacv2";
const slack = new FakeSlackApi("xoxb-intake");
const connector = new LocalConnector();
const receivers = new WebhookReceivers();
let db: Db;
let config: Config;
let service: Service;

beforeAll(async () => {
  await slack.start();
  await connector.start();
  await receivers.start();
  const port = await freePort();
  ({ db, config } = await isolatedEnv("intake", {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...slackSettings(slack, "slack-signing-secret-intake"),
    TEAMS_LOCAL_MODE: "true",
    TEAMS_SERVICE_URL: connector.url,
    TEAMS_REFERRALS_CHANNEL: TEAMS_CHANNEL,
    CHAT_COALESCE_MS: "200",
    ART_API_TOKENS: [
      `casesys:${WRITER}:referrals:write+referrals:read`,
      `reader:${READER}:referrals:read`,
      `art:${RESTRICTED}:referrals:read+referrals:restricted:read`,
    ].join(","),
  }));
  await ensureLots(db);
  await webhookProviders(db, receivers, { lotNumber: 2, prefix: "i", count: 3, name: (i) => `Intake Home ${i}` });
  service = await startTestService({
    config,
    logger: capturingLogger().logger,
    channels: { webhook: new WebhookChannel({ timeoutMs: 2000, allowLoopback: true }) },
  });
  connector.botUrl = service.url!;
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await connector.stop();
  await receivers.stop();
  await slack.stop();
});

/** A referral body for child `n` of the canaries (unique name, date of birth, case id). */
function body(n: number, over: Record<string, unknown> = {}, restricted: Record<string, unknown> = {}) {
  const c = canaries(n);
  const now = new Date();
  return {
    profile: {
      lotNumber: 2,
      ageYears: 13,
      gender: "female",
      needCodes: ["SEMH"],
      ehcp: false,
      legalStatus: "s31",
      area: "PE1",
      urgency: "standard",
      requiredBy: londonDaysAfter(now, 20),
      summary: "Needs a stable home with experienced carers; enjoys football.",
    },
    restricted: {
      childName: `${c.first} ${c.last}`,
      dateOfBirth: birthDateForAge(13, now),
      caseSystemId: c.caseId,
      ...restricted,
    },
    raisedBy: { email: "sam.worker@council.example.gov.uk" },
    ...over,
  };
}

async function post(payload: unknown, opts: { token?: string; key?: string | null } = {}) {
  const res = await fetch(`${service.url}/api/v1/referrals`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${opts.token ?? WRITER}`,
      ...(opts.key === null ? {} : { "idempotency-key": opts.key ?? randomUUID() }),
    },
    body: JSON.stringify(payload),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}
const get = async (reference: string, token: string, query = "") => {
  const res = await fetch(`${service.url}/api/v1/referrals/${reference}${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Json };
};

describe("POST /api/v1/referrals", () => {
  it("raises a referral whose card appears in Slack and Teams and which fans out to the lot's providers", async () => {
    const res = await post(body(1));
    expect(res.status).toBe(201);
    const reference = res.body.reference as string;
    expect(reference).toMatch(/^R-\d{4}-\d{4,}$/);
    expect(res.body.links.self).toBe(`${config.PUBLIC_BASE_URL}/api/v1/referrals/${reference}`);
    expect(res.headers.get("location")).toBe(res.body.links.self);
    expect(res.body.links.threads).toEqual(
      expect.arrayContaining([
        { platform: "slack", channelId: "C0REFERRALS" },
        { platform: "teams", channelId: TEAMS_CHANNEL },
      ]),
    );
    await eventually(
      () =>
        slack.calls.some(
          (c) =>
            c.method === "chat.postMessage" &&
            c.args.channel === "C0REFERRALS" &&
            JSON.stringify(c.args).includes(reference),
        ),
      "the card in Slack",
    );
    await eventually(
      () =>
        connector.messages.some(
          (m) => m.conversationId === TEAMS_CHANNEL && JSON.stringify(m.activity).includes(reference),
        ),
      "the card in Teams",
    );
    await eventually(
      () =>
        new Set(
          receivers.accepted
            .filter((a) => (a.body.referral as { reference?: string } | undefined)?.reference === reference)
            .map((a) => a.path),
        ).size === 3,
      "the broadcast to the three providers",
    );
    const row = await db.referral.findUniqueOrThrow({ where: { reference } });
    expect(row.createdBy).toBe("api:casesys");
    expect(row.raisedBy).toBe("sam.worker@council.example.gov.uk");
  });

  it("answers a repeat with the same Idempotency-Key and body with the same referral, and refuses another body (422)", async () => {
    const key = randomUUID();
    const first = await post(body(2), { key });
    const again = await post(body(2), { key });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.reference).toBe(first.body.reference);
    expect(await db.referral.count({ where: { reference: first.body.reference } })).toBe(1);
    const other = await post(body(2, {}, { caseSystemId: "ANOTHER-1" }), { key });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");
    const missing = await post(body(3), { key: null });
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields["Idempotency-Key"]).toBeDefined();
  });

  it("validates with the one intake schema and asks for the raiser", async () => {
    const res = await post(body(4, { raisedBy: {} }, { dateOfBirth: "2999-01-01" }));
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields)).toEqual(expect.arrayContaining(["raisedBy", "restricted.dateOfBirth"]));
  });

  it("refuses a second live referral for the same child (case id, or name and date of birth) unless it has a reason", async () => {
    const first = await post(body(5));
    expect(first.status).toBe(201);
    const sameCase = await post(body(5, {}, { childName: "Someone Else" }));
    expect(sameCase.status).toBe(409);
    expect(sameCase.body.error).toMatchObject({
      code: "duplicate_referral",
      existingReference: first.body.reference,
      matchedOn: ["case_id"],
    });
    // The same name written another way, without a case id: still the same child.
    const c = canaries(5);
    const sameName = await post(
      body(5, {}, { childName: `  ${c.last.toUpperCase()}, ${c.first} `, caseSystemId: undefined }),
    );
    expect(sameName.status).toBe(409);
    expect(sameName.body.error.matchedOn).toEqual(["name_and_date_of_birth"]);
    const withReason = await post(body(5, { duplicateReason: "A second search for a respite placement" }));
    expect(withReason.status).toBe(201);
    expect(withReason.body.duplicateOf).toBe(first.body.reference);
    // ART sees the link in both threads, on both platforms.
    const slackText = () => JSON.stringify(slack.calls.filter((c) => c.method.startsWith("chat.")).map((c) => c.args));
    const teamsText = () => JSON.stringify(connector.messages.map((m) => m.activity));
    for (const text of [
      `already has a live referral, ${first.body.reference}. Reason given: A second search for a respite placement`,
      `Another referral, ${withReason.body.reference}, was raised for what looks like the same child`,
    ]) {
      await eventually(() => slackText().includes(text), `Slack thread: ${text}`);
      await eventually(() => teamsText().includes(text), `Teams thread: ${text}`);
    }
    expect(slackText()).toContain("Raised from the case system by sam.worker@council.example.gov.uk");
    const view = await get(withReason.body.reference, READER);
    expect(view.body.duplicateOf).toEqual({
      reference: first.body.reference,
      reason: "A second search for a respite placement",
    });
  });

  it("links a sibling's referral on purpose: both are one sibling group", async () => {
    const first = await post(body(6));
    const second = await post(body(7, { siblingOf: first.body.reference }));
    expect(second.status).toBe(201);
    expect(second.body.siblingGroup).toBe(first.body.reference);
    for (const ref of [first.body.reference, second.body.reference]) {
      const view = await get(ref, READER);
      expect(view.body.siblingGroup).toEqual({
        first: first.body.reference,
        references: [first.body.reference, second.body.reference],
      });
    }
    const unknown = await post(body(8, { siblingOf: "R-1999-9999" }));
    expect(unknown.status).toBe(400);
  });

  it("stores no name, date of birth or case id in clear", async () => {
    await post(body(9));
    const text = await databaseText(db);
    for (const n of [1, 5, 9]) {
      const c = canaries(n);
      for (const needle of [c.first, c.last, c.caseId]) expect(text).not.toContain(needle);
    }
    const row = await db.referral.findFirstOrThrow({
      where: { raisedBy: { not: null } },
      orderBy: { createdAt: "desc" },
    });
    expect(row.caseIdHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(row.nameDobHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("erasure", () => {
  it("erases the match hashes with the details, so an erased child no longer matches", async () => {
    const raised = await post(body(8));
    await db.$transaction((tx) =>
      eraseReferral(tx, { referralId: raised.body.id, actor: "test", at: new Date(), trigger: "request", force: true }),
    );
    const row = await db.referral.findUniqueOrThrow({ where: { id: raised.body.id } });
    expect([row.caseIdHash, row.nameDobHash, row.raisedBy, row.restrictedEnvelope]).toEqual([null, null, null, null]);
    expect((await post(body(8))).status).toBe(201);
  });
});

describe("GET /api/v1/referrals/:reference and scopes", () => {
  it("answers status and rounds; the child's details only with referrals:restricted:read, audited", async () => {
    const { body: raised } = await post(body(3));
    const view = await get(raised.reference, READER);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ reference: raised.reference, status: "open", offers: [], decisions: [] });
    expect(view.body.rounds).toHaveLength(1);
    expect(view.body.restricted).toBeUndefined();
    expect((await get(raised.reference, READER, "?include=restricted")).status).toBe(403);
    const full = await get(raised.reference, RESTRICTED, "?include=restricted");
    expect(full.status).toBe(200);
    expect(full.body.restricted.caseSystemId).toBe(canaries(3).caseId);
    expect(
      await db.auditEvent.count({ where: { referralId: raised.id, action: "restricted.viewed", actor: "api:art" } }),
    ).toBe(1);
    expect((await get("R-1999-9999", READER)).status).toBe(404);
  });

  it("refuses a token without referrals:write (403) and a request without a token (401)", async () => {
    const before = await db.referral.count();
    expect((await post(body(4), { token: READER })).status).toBe(403);
    const res = await fetch(`${service.url}/api/v1/referrals`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
      body: JSON.stringify(body(4)),
    });
    expect(res.status).toBe(401);
    expect(await db.referral.count()).toBe(before);
  });
});
