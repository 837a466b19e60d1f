// With credentials configured, the Teams endpoint authenticates every activity as the SDK does: a request
// without a valid Bot Framework token is refused before any handler runs (and nothing leaves the machine).
import express from "express";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mountTeams } from "../../adapters/teams/teams-app.js";
import { ChatDirectory } from "../../src/chat/directory.js";
import { capturingLogger, testDb } from "../helpers/env.js";
import { serveOnLoopback } from "../helpers/service.js";
import { countingTeamsCore, LocalConnector, teamsUser } from "../helpers/teams.js";

const connector = new LocalConnector();
const db = testDb();
let server: Awaited<ReturnType<typeof serveOnLoopback>>;
let handled = 0;

beforeAll(async () => {
  await connector.start();
  const web = express();
  await mountTeams(web, {
    credentials: {
      clientId: "00000000-0000-4000-8000-00000000b07",
      clientSecret: "not-a-real-secret",
      tenantId: "00000000-0000-4000-8000-000000000001",
    },
    allowUnauthenticated: false,
    serviceUrl: connector.url,
    serviceUrls: { hosts: [new URL(connector.url).host], httpsOnly: false, allowLoopback: false },
    cloud: { name: "public" },
    auditRefusal: async () => {
      handled++;
    },
    referralsChannel: "19:auth@thread.tacv2",
    artUserIds: [],
    seniorUserIds: [],
    logger: capturingLogger().logger,
    directory: new ChatDirectory(db, "teams"),
    core: countingTeamsCore(() => {
      handled++;
    }),
  });
  server = await serveOnLoopback(web);
  connector.botUrl = server.url;
});
afterAll(async () => {
  await server.close();
  await connector.stop();
  await db.$disconnect();
});

it("refuses activities without a Bot Framework token, and does nothing", async () => {
  const user = teamsUser("aad-x");
  const res = await connector.sendToBot(
    user,
    { id: "a:personal", type: "personal" },
    { type: "message", text: "new referral" },
  );
  expect(res.status).toBe(401);
  const invoke = await connector.clickExecute(user, { id: "19:auth@thread.tacv2", type: "channel" }, "approve_offer", {
    responseId: "x",
  });
  expect(invoke.status).toBe(401);
  expect(handled).toBe(0);
  expect(connector.calls).toEqual([]);
});
