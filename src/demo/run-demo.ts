// `npm run demo`: the whole product on this machine with no Slack or Microsoft account. The service (web and
// workers) in Teams local mode, the sample providers re-pointed at local endpoints that answer some referrals,
// a local SMTP inbox for the email providers, and a chat page that plays the Teams client through a local
// connector. Nothing leaves the machine: every address below is loopback.
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { mountChatPage } from "../../adapters/teams/local/chat-page.js";
import { LocalConnector } from "../../adapters/teams/local/connector.js";
import { loadConfig } from "../config.js";
import { createDb } from "../db.js";
import type { Logger } from "../logger.js";
import { type Service, startService } from "../main.js";
import { migrateDatabase } from "../migrate.js";
import { ensureLots } from "../providers/directory.js";
import { importProviders } from "../providers/import.js";
import { startDemoInbox } from "./demo-inbox.js";
import { type DemoProvider, startDemoProviders } from "./demo-providers.js";

export const DEMO_CHANNEL = { id: "19:demo-referrals@thread.tacv2", name: "Referrals (ART)" };
export const DEMO_USERS = [
  { id: "29:demo-sw", aadObjectId: "demo-sw", name: "Sam Patel", role: "social worker" },
  { id: "29:demo-art", aadObjectId: "demo-art", name: "Alex Morgan", role: "ART" },
  { id: "29:demo-senior", aadObjectId: "demo-senior", name: "Jo Okafor", role: "senior ART" },
];

export interface DemoOptions {
  logger: Logger;
  /** The service's port (0: any free port). */
  port?: number;
  /** The chat page's port. */
  chatPort?: number;
  databaseUrl?: string;
  redisPrefix?: string;
  /** How long demo providers take to answer (each waits 1-4 times this). */
  answerDelayMs?: number;
  providersCsv?: string;
}

export interface Demo {
  chatUrl: string;
  service: Service;
  close(): Promise<void>;
}

export async function startDemo(o: DemoOptions): Promise<Demo> {
  const logger = o.logger;
  const inbox = await startDemoInbox();
  const connector = new LocalConnector({ tenantId: "demo-tenant" });
  const databaseUrl = o.databaseUrl ?? "postgresql://postgres@127.0.0.1:5432/referral_bot_demo";

  // Providers: the sample directory, with every webhook re-pointed at a local endpoint of our own.
  await migrateDatabase(databaseUrl, logger);
  const db = createDb(databaseUrl);
  await ensureLots(db);
  await importProviders(db, o.providersCsv ?? resolve(import.meta.dirname, "../../test/fixtures/providers.csv"), {
    actor: "demo",
    allowLoopback: true, // the demo is development only; its providers are re-pointed at loopback below
  });
  const withWebhook = await db.provider.findMany({ where: { webhookUrl: { not: null } }, orderBy: { name: "asc" } });
  const demoProviders: DemoProvider[] = withWebhook.map((p) => ({
    key: p.id,
    name: p.name,
    secret: `whsec_${randomBytes(24).toString("base64")}`,
  }));
  const endpoints = await startDemoProviders(demoProviders, { answerDelayMs: o.answerDelayMs ?? 2500, logger });
  for (const p of demoProviders) {
    await db.provider.update({
      where: { id: p.key },
      data: { webhookUrl: endpoints.urlFor(p.key), webhookSecret: p.secret },
    });
  }
  await db.$disconnect();

  await connector.start(o.chatPort ?? 3978, "127.0.0.1", (app) =>
    mountChatPage(app, connector, {
      channel: DEMO_CHANNEL,
      users: DEMO_USERS,
      sidePanel: () => ({
        "Webhook providers": `${endpoints.received} messages received, ${endpoints.answered} answered`,
        "Email inbox": inbox.mails.slice(-5).map((m) => `${m.to}: ${m.subject}`),
      }),
    }),
  );
  const config = loadConfig({
    ...process.env,
    NODE_ENV: "development",
    DATABASE_URL: databaseUrl,
    REDIS_PREFIX: o.redisPrefix ?? "rb-demo",
    PORT: String(o.port ?? 3000),
    HOST: "127.0.0.1",
    PUBLIC_BASE_URL: `http://127.0.0.1:${o.port ?? 3000}`,
    SMTP_URL: inbox.url,
    MIGRATE_ON_START: "false",
    // Every webhook provider is re-pointed at a loopback endpoint of the demo's own.
    WEBHOOK_ALLOW_LOOPBACK: "true",
    // Teams in local mode against the local connector; no credentials, no Slack.
    TEAMS_LOCAL_MODE: "true",
    TEAMS_CLIENT_ID: "",
    TEAMS_CLIENT_SECRET: "",
    // The local connector's tenant is not a real one: an operator's TEAMS_TENANT_ID would refuse every activity.
    TEAMS_TENANT_ID: "",
    TEAMS_SERVICE_URL: connector.url,
    TEAMS_REFERRALS_CHANNEL: DEMO_CHANNEL.id,
    TEAMS_ART_USER_IDS: "demo-art,demo-senior",
    TEAMS_SENIOR_USER_IDS: "demo-senior",
    // The daily digest goes to the same channel (on a weekday after 08:30 the worker posts today's at start).
    DIGEST_TEAMS_CHANNEL: DEMO_CHANNEL.id,
    DIGEST_SLACK_CHANNEL: "",
    SLACK_BOT_TOKEN: "",
    SLACK_SIGNING_SECRET: "",
    SLACK_REFERRALS_CHANNEL: "",
  });
  const service = await startService({ config, logger, role: "all" });
  // With PORT=0 the service picked its own port; links in messages must use it.
  connector.botUrl = service.url!;
  logger.info(
    { chat: connector.url, service: service.url, providers: demoProviders.length },
    `demo ready: open ${connector.url}/ in a browser`,
  );
  return {
    chatUrl: connector.url,
    service,
    async close() {
      await service.close();
      await connector.stop();
      await endpoints.close();
      await inbox.close();
    },
  };
}
