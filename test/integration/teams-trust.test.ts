// The Teams trust boundary, attacked through the running service with Teams credentials configured: tokens are
// minted locally (RS256) and verified against a local OpenID metadata / JWKS server, the bot's own outbound
// token is a local one (nothing asks Microsoft), its posts go to the local connector, and a loopback listener
// plays the attacker's host. Only Microsoft (a Bot Framework token whose serviceurl is the activity's), only
// our tenant, only allow-listed service URLs; everything else is refused before the SDK, the directory or a
// handler sees it, and audited.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { ensureLots } from "../../src/providers/directory.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { FakeIdentity } from "../helpers/identity.js";
import { eventually } from "../helpers/receivers.js";
import { freePort, startTestService } from "../helpers/service.js";
import { cardsOf, inputIds, LocalConnector, teamsUser, validForm } from "../helpers/teams.js";

const BOT_ID = "00000000-0000-4000-8000-00000000b0b1";
const TENANT = "11111111-1111-4111-8111-111111111111";
const FOREIGN = "99999999-9999-4999-8999-999999999999";
const CHANNEL = "19:trusted@thread.tacv2";
const identity = new FakeIdentity();
const connector = new LocalConnector({ tenantId: TENANT });
const socialWorker = teamsUser("aad-sw-trust", "Sam Social Worker");
const logs = capturingLogger();
let db: Db;
let service: Service;

/** The attacker's host: records every request (a reply to it would carry the bot's bearer token). */
const attacker: { server?: Server; url: string; requests: { path: string; authorization?: string }[] } = {
  url: "",
  requests: [],
};

beforeAll(async () => {
  await identity.start();
  await connector.start();
  attacker.server = createServer((req, res) => {
    attacker.requests.push({ path: req.url ?? "", ...(req.headers.authorization ? { authorization: "yes" } : {}) });
    res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ id: "stolen" }));
  });
  await new Promise<void>((r) => attacker.server!.listen(0, "127.0.0.1", r));
  attacker.url = `http://127.0.0.1:${(attacker.server.address() as { port: number }).port}`;
  const port = await freePort();
  let config: Awaited<ReturnType<typeof isolatedEnv>>["config"];
  ({ db, config } = await isolatedEnv("teamstrust", {
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    TEAMS_CLIENT_ID: BOT_ID,
    TEAMS_CLIENT_SECRET: "not-a-real-secret",
    TEAMS_TENANT_ID: TENANT,
    TEAMS_SERVICE_URL: connector.url,
    // The connector's host and port, and a Microsoft host (for the serviceurl-claim test); not the attacker's.
    TEAMS_SERVICE_URL_HOSTS: `${new URL(connector.url).host},smba.trafficmanager.net`,
    TEAMS_OPENID_METADATA_URL: `${identity.url}/v1/.well-known/openidconfiguration`,
    TEAMS_LOGIN_URL: identity.url,
    TEAMS_REFERRALS_CHANNEL: CHANNEL,
    TEAMS_ART_USER_IDS: "aad-art-trust",
    CHAT_COALESCE_MS: "200",
  }));
  await ensureLots(db);
  const botToken = await identity.botFrameworkToken({ audience: "https://api.botframework.com", serviceUrl: "" });
  service = await startTestService({
    config,
    logger: logs.logger,
    channels: {},
    teamsBotToken: async () => botToken,
  });
  connector.botUrl = service.url!;
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await connector.stop();
  await identity.stop();
  attacker.server?.closeAllConnections();
  await new Promise((r) => attacker.server?.close(r));
});

const channel = { id: CHANNEL, type: "channel" as const };
const bearer = (token: string) => `Bearer ${token}`;
const fromMicrosoft = async (serviceUrl = connector.url) =>
  bearer(await identity.botFrameworkToken({ audience: BOT_ID, serviceUrl }));
const storedServiceUrl = async (channelId: string) =>
  (await db.chatConversation.findUnique({ where: { platform_channelId: { platform: "teams", channelId } } }))
    ?.serviceUrl;
const refusals = () => db.auditEvent.findMany({ where: { action: "teams.activity_refused" }, orderBy: { id: "asc" } });
const formInChannel = () =>
  connector.messages.find(
    (m) => m.conversationId === CHANNEL && cardsOf(m).some((c) => inputIds(c).includes("restricted.childName")),
  );

describe("Teams trust boundary", () => {
  it("accepts an activity from our tenant sent by Microsoft: `new referral` answers with the form", async () => {
    const asked = await connector.sendToBot(
      socialWorker,
      channel,
      { type: "message", text: "new referral" },
      await fromMicrosoft(),
    );
    expect(asked.status).toBeLessThan(300);
    await eventually(() => Boolean(formInChannel()), "form card posted to the channel");
    expect(await storedServiceUrl(CHANNEL)).toBe(connector.url);
    // A card action answers in the invoke response (the form with its errors), to this person only.
    const bad = await connector.clickExecute(
      socialWorker,
      channel,
      "submit_referral",
      { formId: randomUUID(), ...validForm({ "profile.area": "PE1 2AB" }) },
      { authorization: await fromMicrosoft() },
    );
    expect(bad.status).toBe(200);
    expect(JSON.stringify(bad.body)).toContain("is a full postcode");
    expect(attacker.requests).toEqual([]);
  });

  it("refuses another tenant's activity, whoever signed it: nothing stored, no handler, audited", async () => {
    const foreignChannel = "19:foreign@thread.tacv2";
    const mallory = teamsUser("aad-art-trust", "Mallory"); // claims an ART member's object id
    const foreign = {
      conversation: { id: foreignChannel, conversationType: "channel", tenantId: FOREIGN },
      channelData: { tenant: { id: FOREIGN } },
    };
    const before = (await refusals()).length;
    // An Entra token issued in the attacker's tenant whose audience is the bot (the SDK alone accepts it).
    const entra = bearer(await identity.entraToken({ audience: BOT_ID, tenant: FOREIGN }));
    const submitted = await connector.clickExecute(
      mallory,
      { id: foreignChannel, type: "channel" },
      "submit_referral",
      { formId: randomUUID(), ...validForm() },
      { activity: foreign, authorization: entra },
    );
    expect([401, 403]).toContain(submitted.status);
    // A genuine Bot Framework token, but the activity is from another tenant's Teams.
    const viaMicrosoft = await connector.sendToBot(
      mallory,
      { id: foreignChannel, type: "channel" },
      { type: "message", text: "new referral", ...foreign },
      await fromMicrosoft(),
    );
    expect([401, 403]).toContain(viaMicrosoft.status);

    expect(await db.referral.count()).toBe(0); // the submit handler never ran
    expect(await storedServiceUrl(foreignChannel)).toBeUndefined();
    expect(await db.chatUser.count({ where: { userId: "aad-art-trust" } })).toBe(0);
    expect(connector.messages.filter((m) => m.conversationId === foreignChannel)).toEqual([]);
    const audited = (await refusals()).slice(before);
    expect(audited.map((a) => (a.detail as { reason: string }).reason)).toEqual([
      "token issued by another tenant",
      "activity from another tenant",
    ]);
    expect(audited[0]!.detail).toMatchObject({ tenantId: FOREIGN, issuer: "entra", activityType: "invoke" });
    // Never the token or what was typed into the form.
    expect(JSON.stringify(audited.map((a) => [a.actor, a.detail]))).not.toMatch(/eyJ|Teams Secret Child/);
  });

  it("refuses a service URL off the allow-list, and never sends there", async () => {
    const before = (await refusals()).length;
    // A Bot Framework token whose serviceurl claim names the attacker too.
    const viaClaim = await connector.sendToBot(
      socialWorker,
      channel,
      { type: "message", text: "new referral", serviceUrl: attacker.url },
      await fromMicrosoft(attacker.url),
    );
    expect(viaClaim.status).toBe(403);
    expect(await storedServiceUrl(CHANNEL)).toBe(connector.url);
    const audited = (await refusals()).slice(before);
    expect(audited.map((a) => (a.detail as { reason: string }).reason)).toEqual(["service URL not on the allow-list"]);

    // A row stored before the allow-list existed: the bot's posts still never go there.
    await db.chatConversation.update({
      where: { platform_channelId: { platform: "teams", channelId: CHANNEL } },
      data: { serviceUrl: attacker.url },
    });
    const raised = await connector.clickExecute(
      socialWorker,
      { id: "a:personal-sw-trust", type: "personal" },
      "submit_referral",
      { formId: randomUUID(), ...validForm() },
      { authorization: await fromMicrosoft() },
    );
    expect(JSON.stringify(raised.body)).toMatch(/Referral R-\d{4}-\d{4} raised/);
    const reference = (await db.referral.findFirstOrThrow()).reference;
    await eventually(
      () => connector.messages.some((m) => m.conversationId === CHANNEL && JSON.stringify(m).includes(reference)),
      "the referral's card posted to the channel through the configured service URL",
    );
    expect(attacker.requests).toEqual([]);
  });

  it("refuses an Entra token even from our tenant: any app registered there can get one for the bot", async () => {
    const before = { refusals: (await refusals()).length, referrals: await db.referral.count() };
    const entra = bearer(await identity.entraToken({ audience: BOT_ID, tenant: TENANT }));
    const asArt = teamsUser("aad-art-trust", "Not Alex");
    const submitted = await connector.clickExecute(
      asArt,
      { id: "a:personal-art-trust", type: "personal" },
      "submit_referral",
      { formId: randomUUID(), ...validForm() },
      { authorization: entra },
    );
    expect(submitted.status).toBe(403);
    const message = await connector.sendToBot(
      asArt,
      { id: "a:personal-art-trust", type: "personal" },
      { type: "message", text: "new referral", serviceUrl: attacker.url },
      entra,
    );
    expect(message.status).toBe(403);
    expect(await db.referral.count()).toBe(before.referrals);
    expect(await db.chatUser.count({ where: { userId: "aad-art-trust" } })).toBe(0);
    expect(await storedServiceUrl("a:personal-art-trust")).toBeUndefined();
    expect((await refusals()).slice(before.refusals).map((a) => (a.detail as { reason: string }).reason)).toEqual([
      "Entra-issued token: only the Bot Framework service may send activities",
      "Entra-issued token: only the Bot Framework service may send activities",
    ]);
    // The SDK answers only after its handler (and any reply it sends) has finished.
    expect(attacker.requests).toEqual([]);
  });

  it("refuses a Bot Framework token whose serviceurl claim is not the activity's serviceUrl", async () => {
    const before = (await refusals()).length;
    // Both URLs are on the allow-list; the token was issued for the other one.
    const res = await connector.sendToBot(
      socialWorker,
      channel,
      { type: "message", text: "new referral" },
      await fromMicrosoft("https://smba.trafficmanager.net/amer/"),
    );
    expect([401, 403]).toContain(res.status);
    expect((await refusals()).slice(before).map((a) => (a.detail as { reason: string }).reason)).toEqual([
      "service URL differs from the token's serviceurl claim",
    ]);
  });

  it("refuses a Bot Framework activity from another channel (Web Chat's channelData is the client's own)", async () => {
    const before = (await refusals()).length;
    const res = await connector.sendToBot(
      socialWorker,
      channel,
      { type: "message", text: "new referral", channelId: "webchat" },
      await fromMicrosoft(),
    );
    expect(res.status).toBe(403);
    expect((await refusals()).slice(before).map((a) => (a.detail as { reason: string }).reason)).toEqual([
      "not a Teams activity",
    ]);
  });

  it("refuses requests without a verifiable token (401), auditing nothing", async () => {
    const before = (await refusals()).length;
    const none = await connector.sendToBot(socialWorker, channel, { type: "message", text: "new referral" });
    expect(none.status).toBe(401);
    // Signed with a key that is not Microsoft's (the Entra key passed off as a Bot Framework token).
    const forged = await identity.entraToken({ audience: BOT_ID, tenant: TENANT });
    const [h, , s] = forged.split(".");
    const claims = Buffer.from(
      JSON.stringify({ iss: "https://api.botframework.com", aud: BOT_ID, serviceurl: connector.url }),
    ).toString("base64url");
    const bad = await connector.sendToBot(
      socialWorker,
      channel,
      { type: "message", text: "new referral" },
      bearer(`${h}.${claims}.${s}`),
    );
    expect(bad.status).toBe(401);
    expect((await refusals()).length).toBe(before);
    expect(logs.lines.join("\n")).not.toMatch(/Bearer|eyJ/);
  });
});
