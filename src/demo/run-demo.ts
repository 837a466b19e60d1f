// `npm run demo`: the whole product on this machine with no Slack or Microsoft account. The service (web and
// workers) in Teams local mode, the sample providers pointed at local endpoints that answer referrals, a local
// SMTP inbox whose email providers answer too, and a chat page that plays the Teams client through a local
// connector. Nothing leaves the machine: every address below is loopback.
//
// Every port is bound before anything else happens, so a second copy (or anything else on a port) stops it with
// one line naming the port and its setting, with the database untouched. Starting it again changes nothing in
// the database: the demo's providers keep their ids (src/demo/demo-directory.ts).
import { createServer, type Server } from "node:http";
import { resolve } from "node:path";
import { mountChatPage } from "../../adapters/teams/local/chat-page.js";
import { LocalConnector } from "../../adapters/teams/local/connector.js";
import { loadConfig } from "../config.js";
import { createDb } from "../db.js";
import { PortInUseError } from "../errors.js";
import type { Logger } from "../logger.js";
import { type Service, startService } from "../main.js";
import { migrateDatabase } from "../migrate.js";
import { setUpDemoDirectory } from "./demo-directory.js";
import { type DemoInbox, startDemoInbox } from "./demo-inbox.js";
import { demoWelcome, sidePanel } from "./demo-page.js";
import { type DemoProviderEndpoints, startDemoProviders } from "./demo-providers.js";
import { demoResponder } from "./demo-responder.js";

export const DEMO_CHANNEL = { id: "19:demo-referrals@thread.tacv2", name: "Referrals (ART)" };
export const DEMO_USERS = [
  { id: "29:demo-sw", aadObjectId: "demo-sw", name: "Sam Patel", role: "social worker" },
  { id: "29:demo-art", aadObjectId: "demo-art", name: "Alex Morgan", role: "ART" },
  { id: "29:demo-senior", aadObjectId: "demo-senior", name: "Jo Okafor", role: "senior ART" },
];

export interface DemoOptions {
  logger: Logger;
  /** The service's port, PORT (0: any free port, for tests). */
  port?: number;
  /** The chat page's port, DEMO_CHAT_PORT. */
  chatPort?: number;
  /** The webhook providers' endpoints' port, DEMO_WEBHOOK_PORT. */
  webhookPort?: number;
  /** The local inbox's SMTP port, DEMO_SMTP_PORT. */
  smtpPort?: number;
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

/** Runs `start`, turning "address in use" into one line that names the port and the setting that moves it. */
async function onPort<T>(port: number, setting: string, what: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if ((err as { code?: string }).code === "EADDRINUSE") throw new PortInUseError(port, setting, what);
    throw err;
  }
}

function listenHttp(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

export async function startDemo(o: DemoOptions): Promise<Demo> {
  const logger = o.logger;
  const servicePort = o.port ?? 3000;
  const connector = new LocalConnector({ tenantId: "demo-tenant" });
  const responder = demoResponder({ answerDelayMs: o.answerDelayMs ?? 2500, logger });
  const closers: (() => Promise<unknown>)[] = [async () => responder.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  let serviceServer: Server;
  let endpoints: DemoProviderEndpoints | undefined;
  let inbox: DemoInbox | undefined;
  try {
    serviceServer = await onPort(servicePort, "PORT", "the service", () => listenHttp(servicePort));
    const closeServer = () => new Promise((r) => serviceServer.close(r));
    closers.push(closeServer);
    const chatPort = o.chatPort ?? 3978;
    await onPort(chatPort, "DEMO_CHAT_PORT", "the demo's chat page", () =>
      connector.start(chatPort, "127.0.0.1", (app) =>
        mountChatPage(app, connector, {
          channel: DEMO_CHANNEL,
          users: DEMO_USERS,
          welcome: demoWelcome(DEMO_USERS),
          sidePanel: () => sidePanel(endpoints, inbox, responder),
        }),
      ),
    );
    closers.push(() => connector.stop());
    const webhookPort = o.webhookPort ?? 3979;
    const webhooks = await onPort(webhookPort, "DEMO_WEBHOOK_PORT", "the demo providers' webhooks", () =>
      startDemoProviders(webhookPort),
    );
    endpoints = webhooks;
    closers.push(() => webhooks.close());
    const smtpPort = o.smtpPort ?? 3980;
    const mail = await onPort(smtpPort, "DEMO_SMTP_PORT", "the demo's email inbox", () => startDemoInbox(smtpPort));
    inbox = mail;
    closers.push(() => mail.close());

    // Providers: the sample directory, with every webhook pointed at the endpoints above.
    const databaseUrl = o.databaseUrl ?? "postgresql://postgres@127.0.0.1:5432/referral_bot_demo";
    await migrateDatabase(databaseUrl, logger);
    const db = createDb(databaseUrl);
    const directory = await setUpDemoDirectory(db, {
      csvPath: o.providersCsv ?? resolve(import.meta.dirname, "../../test/fixtures/providers.csv"),
      webhookUrlFor: webhooks.urlFor,
    }).finally(() => db.$disconnect());
    webhooks.serve(directory.webhookProviders, responder);
    mail.serve(directory.emailProviders, responder);

    const publicUrl = `http://127.0.0.1:${(serviceServer.address() as { port: number }).port}`;
    const config = loadConfig({
      ...process.env,
      NODE_ENV: "development",
      DATABASE_URL: databaseUrl,
      REDIS_PREFIX: o.redisPrefix ?? "rb-demo",
      PORT: String(servicePort),
      HOST: "127.0.0.1",
      PUBLIC_BASE_URL: publicUrl,
      SMTP_URL: inbox.url,
      MIGRATE_ON_START: "false",
      // Every webhook provider is pointed at a loopback endpoint of the demo's own.
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
    const service = await startService({ config, logger, role: "all", server: serviceServer });
    // The service closes the server it was given.
    closers.splice(closers.indexOf(closeServer), 1, () => service.close());
    connector.botUrl = service.url!;
    logger.info(
      { chat: connector.url, service: service.url, webhookProviders: directory.webhookProviders.length },
      `demo ready: open ${connector.url}/ in a browser`,
    );
    return { chatUrl: connector.url, service, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
