// Local mode (development, tests, the demo) has no tokens to check, but the rest of the trust boundary holds:
// loopback service URLs (the local connector) are allowed, other hosts off the list are not, and a configured
// tenant is still the only one accepted.
import express from "express";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mountTeams } from "../../adapters/teams/teams-app.js";
import { ChatDirectory } from "../../src/chat/directory.js";
import { capturingLogger, testDb } from "../helpers/env.js";
import { serveOnLoopback } from "../helpers/service.js";
import { countingTeamsCore, LocalConnector, teamsUser } from "../helpers/teams.js";

const TENANT = "22222222-2222-4222-8222-222222222222";
const connector = new LocalConnector({ tenantId: TENANT });
const db = testDb();
const refused: string[] = [];
let server: Awaited<ReturnType<typeof serveOnLoopback>>;
let handled = 0;

beforeAll(async () => {
  await connector.start();
  const web = express();
  await mountTeams(web, {
    allowUnauthenticated: true,
    tenantId: TENANT,
    serviceUrl: connector.url,
    serviceUrls: { hosts: ["smba.trafficmanager.net"], httpsOnly: false, allowLoopback: true },
    cloud: { name: "public" },
    auditRefusal: async (r) => {
      refused.push(r.reason);
    },
    referralsChannel: "19:local-trust@thread.tacv2",
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

it("accepts the local connector, refuses other hosts and other tenants", async () => {
  const user = teamsUser("aad-local");
  const conversation = { id: "19:local-trust@thread.tacv2", type: "channel" as const };
  const click = (activity: Record<string, unknown> = {}) =>
    connector.clickExecute(user, conversation, "approve_offer", { responseId: "x" }, { activity });

  expect((await click()).status).toBe(200);
  expect(handled).toBe(1);
  expect((await click({ serviceUrl: "http://10.1.2.3/teams" })).status).toBe(403);
  expect(
    (
      await click({
        conversation: { id: conversation.id, conversationType: "channel", tenantId: "someone-else" },
        channelData: { tenant: { id: "someone-else" } },
      })
    ).status,
  ).toBe(403);
  expect(handled).toBe(1);
  expect(refused).toEqual(["service URL not on the allow-list", "activity from another tenant"]);
});
