// One child, one live referral through chat too: a Slack view submission (signed as Slack signs it) and a Teams
// invoke (a real Bot Framework activity) for a child who already has a live referral raise nothing, and answer
// with the form naming the existing reference on a reason field; with a reason they raise it, linked, and both
// threads show the link. Siblings linked on purpose from the forms are one sibling group, which the providers of
// both siblings see in their webhook payloads. No name or case id is stored in clear along the way.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { ensureLots } from "../../src/providers/directory.js";
import { deliveryRemindContract } from "../../src/queue/contracts.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { canaries, databaseText, redisText } from "../helpers/leak-search.js";
import { eventually, WebhookReceivers, webhookProviders } from "../helpers/receivers.js";
import { freePort, startTestService } from "../helpers/service.js";
import { FakeSlackApi, modalValues, signedSlackRequest, slackSettings, viewSubmission } from "../helpers/slack.js";
import { cardsOf, LocalConnector, teamsUser, validForm, visibleText } from "../helpers/teams.js";

const SECRET = "slack-signing-secret-dupes";
const TEAMS_CHANNEL = "19:referrals@thread.tacv2";
const slack = new FakeSlackApi("xoxb-dupes");
const connector = new LocalConnector();
const receivers = new WebhookReceivers();
const worker = teamsUser("aad-sw-dupes", "Sam Social Worker");
let db: Db;
let config: Config;
let service: Service;
let events: string;

beforeAll(async () => {
  await slack.start();
  await connector.start();
  await receivers.start();
  const port = await freePort();
  ({ db, config } = await isolatedEnv("dupes", {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    ...slackSettings(slack, SECRET),
    TEAMS_LOCAL_MODE: "true",
    TEAMS_SERVICE_URL: connector.url,
    TEAMS_REFERRALS_CHANNEL: TEAMS_CHANNEL,
    CHAT_COALESCE_MS: "200",
  }));
  await ensureLots(db);
  await webhookProviders(db, receivers, {
    lotNumber: 2,
    prefix: "d",
    count: 2,
    name: (i) => `Dupes Home ${i}`,
    needs: ["SEMH", "ASD"],
  });
  service = await startTestService({
    config,
    logger: capturingLogger().logger,
    channels: { webhook: new WebhookChannel({ timeoutMs: 2000, allowLoopback: true }) },
  });
  connector.botUrl = service.url!;
  events = `${service.url}/slack/events`;
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await connector.stop();
  await receivers.stop();
  await slack.stop();
});

const text = (value: string) => ({ v: { type: "plain_text_input", value } });
/** The Slack form for canary child `n`, with the duplicate answers when given. */
const slackChild = (n: number, extra: { reason?: string; siblingOf?: string } = {}) =>
  modalValues({
    "restricted.childName": text(`${canaries(n).first} ${canaries(n).last}`),
    "restricted.caseSystemId": text(canaries(n).caseId),
    ...(extra.reason ? { duplicateReason: text(extra.reason) } : {}),
    ...(extra.siblingOf ? { siblingOf: text(extra.siblingOf) } : {}),
  });
async function submitSlack(viewId: string, values: unknown) {
  const res = await signedSlackRequest(events, SECRET, viewSubmission("USW1", viewId, "referral_form", values));
  expect(res.status).toBe(200);
  return res.text ? (res.json() as { response_action?: string; errors?: Record<string, string> }) : {};
}
/** The Teams form for canary child `n` (a case id written differently: separators and case do not matter). */
const teamsChild = (n: number, over: Record<string, string> = {}) =>
  validForm({
    "restricted.childName": `${canaries(n).last}, ${canaries(n).first}`,
    "restricted.caseSystemId": canaries(n).caseId.toLowerCase().replace("-", " "),
    ...over,
  });
async function submitTeams(formId: string, values: Record<string, string>) {
  const res = await connector.clickExecute(
    worker,
    { id: `a:personal-${worker.aadObjectId}`, type: "personal" },
    "submit_referral",
    {
      formId,
      ...values,
    },
  );
  return JSON.stringify((res.body as { value: unknown }).value);
}
/** The referral's card once posted on this platform: its message id and its thread. */
async function linkOf(referralId: string, platform: string) {
  let found = { threadId: "", messageId: "" };
  await eventually(async () => {
    const link = await db.chatLink.findFirst({ where: { referralId, platform } });
    found = { threadId: link?.threadId ?? "", messageId: link?.messageId ?? "" };
    return Boolean(found.threadId && found.messageId);
  }, `${platform} card`);
  return found;
}
const slackThread = (threadId: string) =>
  slack
    .of("chat.postMessage")
    .filter((c) => c.args.thread_ts === threadId)
    .map((c) => JSON.stringify(c.args))
    .join("\n");
const teamsThread = (threadId: string) =>
  connector.messages
    .filter((m) => m.threadId === threadId)
    .map(visibleText)
    .join("\n");

describe("one child, one live referral through the chat forms", () => {
  let first: { id: string; reference: string };

  it("Slack: refuses a second referral for the child without a reason, naming the live one; raises it with one", async () => {
    expect(await submitSlack("V-DUP-1", slackChild(1))).toEqual({});
    first = await db.referral.findFirstOrThrow({ select: { id: true, reference: true } });

    // Another form, the same child: not raised; the reason field says why and names only the reference.
    const refused = await submitSlack("V-DUP-2", slackChild(1));
    expect(refused.response_action).toBe("errors");
    expect(refused.errors?.duplicateReason).toContain(first.reference);
    expect(refused.errors?.duplicateReason).toContain("same case id");
    expect(refused.errors?.duplicateReason?.length).toBeLessThanOrEqual(150);
    expect(await db.referral.count()).toBe(1);

    // The same form again with a reason: raised, and linked to the first.
    expect(await submitSlack("V-DUP-2", slackChild(1, { reason: "Second search: respite weekends" }))).toEqual({});
    const second = await db.referral.findUniqueOrThrow({ where: { sourceKey: "slack:view:V-DUP-2" } });
    expect(second.duplicateOfId).toBe(first.id);
    expect(second.duplicateReason).toBe("Second search: respite weekends");

    // ART sees the link in both threads.
    const firstThread = (await linkOf(first.id, "slack")).threadId;
    const secondThread = (await linkOf(second.id, "slack")).threadId;
    await eventually(
      () => slackThread(secondThread).includes(`already has a live referral, ${first.reference}`),
      "link in the new thread",
    );
    await eventually(() => slackThread(firstThread).includes(second.reference), "link in the first thread");
    expect(slackThread(secondThread)).toContain("Second search: respite weekends");
  });

  it("Teams: answers the invoke with the form, the warning and the reason input; raises it with a reason", async () => {
    const formId = randomUUID();
    const before = await db.referral.count();
    const refused = await submitTeams(formId, teamsChild(1));
    expect(refused).toContain("This child may already have a live referral");
    expect(refused).toContain(first.reference);
    expect(refused).toContain('"id":"duplicateReason"');
    expect(refused).toContain('"id":"siblingOf"');
    expect(await db.referral.count()).toBe(before);

    const raised = await submitTeams(formId, teamsChild(1, { duplicateReason: "Parallel search in a second lot" }));
    expect(raised).toMatch(/Referral R-\d{4}-\d{4,} raised/);
    const third = await db.referral.findUniqueOrThrow({ where: { sourceKey: `teams:form:${formId}` } });
    expect(third.duplicateOfId).toBe(first.id);

    // The first referral's thread is in Slack (raised there), the new one's in Teams: each shows the other.
    const firstThread = (await linkOf(first.id, "slack")).threadId;
    const thirdThread = (await linkOf(third.id, "teams")).threadId;
    await eventually(
      () => teamsThread(thirdThread).includes(`already has a live referral, ${first.reference}`),
      "link in the new thread",
    );
    await eventually(() => slackThread(firstThread).includes(third.reference), "link in the first thread");
  });

  it("links siblings on purpose from the forms; both siblings' providers see one sibling group", async () => {
    // The first sibling through Teams, the second through Slack naming the first (typed in lower case).
    const formId = randomUUID();
    expect(await submitTeams(formId, teamsChild(2))).toMatch(/raised/);
    const older = await db.referral.findUniqueOrThrow({ where: { sourceKey: `teams:form:${formId}` } });
    // A sibling that is no referral is a field error, nothing raised.
    const unknown = await submitSlack("V-SIB-1", slackChild(3, { siblingOf: "R-1999-9999" }));
    expect(unknown.errors?.siblingOf).toBeTruthy();
    expect(await submitSlack("V-SIB-1", slackChild(3, { siblingOf: older.reference.toLowerCase() }))).toEqual({});
    const younger = await db.referral.findUniqueOrThrow({ where: { sourceKey: "slack:view:V-SIB-1" } });
    expect(younger.siblingGroupId).toBe(older.id);
    expect(younger.duplicateOfId).toBeNull();
    const group = `sibling group of 2: ${[older.reference, younger.reference].sort().join(", ")}`;

    // The younger's broadcast carries the group; the older's providers see it in their next message (a reminder).
    const payloadsOf = (reference: string, type: string) =>
      receivers.accepted.filter(
        (a) => a.body.type === type && (a.body.referral as { reference?: string } | undefined)?.reference === reference,
      );
    await eventually(() => payloadsOf(younger.reference, "referral.broadcast").length === 2, "younger's broadcast");
    for (const p of payloadsOf(younger.reference, "referral.broadcast"))
      expect((p.body.referral as { sibling_group?: string }).sibling_group).toBe(group);
    await eventually(() => payloadsOf(older.reference, "referral.broadcast").length === 2, "older's broadcast");
    const delivery = await db.delivery.findFirstOrThrow({
      where: { round: { referralId: older.id }, state: "delivered" },
    });
    await service.queues.add(deliveryRemindContract, [{ deliveryId: delivery.id }]);
    await service.queues.promote(
      deliveryRemindContract.name,
      deliveryRemindContract.jobId({ deliveryId: delivery.id }),
    );
    await eventually(() => payloadsOf(older.reference, "referral.reminder").length === 1, "older's reminder");
    expect(
      (payloadsOf(older.reference, "referral.reminder")[0]!.body.referral as { sibling_group?: string }).sibling_group,
    ).toBe(group);

    // The response page shows it too (the provider's own link, from its payload).
    const page = await fetch(String(payloadsOf(older.reference, "referral.reminder")[0]!.body.response_url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(group);

    // The chat cards show the group as providers see it: the older's card (Teams) is redrawn when it forms.
    const cardId = (await linkOf(older.id, "teams")).messageId;
    await eventually(() => {
      const latest = connector.messages.find((m) => m.id === cardId);
      return Boolean(latest && JSON.stringify(cardsOf(latest)).includes(group));
    }, "the group on the Teams card");
    const slackCard = (await linkOf(younger.id, "slack")).messageId;
    await eventually(
      () => slack.of("chat.postMessage").some((c) => c.ts === slackCard && JSON.stringify(c.args).includes(group)),
      "the group on the Slack card",
    );
  });

  it("stores no child's name or case id in clear", async () => {
    const stored = `${await databaseText(db)}\n${await redisText(config)}`;
    for (const n of [1, 2, 3]) {
      const c = canaries(n);
      for (const needle of [c.first, c.last, c.caseId, c.caseId.toLowerCase().replace("-", " ")])
        expect(stored).not.toContain(needle);
    }
  });
});
