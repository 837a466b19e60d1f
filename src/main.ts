// The composition root: the only place that builds adapters and wires them into the core. The chat adapters are
// imported only when their platform is configured: their SDKs (Bolt, the Teams SDK) take tens of MB of memory.

import type { Server } from "node:http";
import type { Worker } from "bullmq";
import type { Express } from "express";
import { EmailChannel } from "../adapters/email/email-channel.js";
import { inboundEmailRouter } from "../adapters/email/inbound-http.js";
import { startSmtpReceiver } from "../adapters/email/smtp-receiver.js";
import { CouncilWebhookChannel } from "../adapters/webhook/council-channel.js";
import { WebhookChannel } from "../adapters/webhook/webhook-channel.js";
import type { ChatCoreDeps } from "./chat/actions.js";
import { membershipOf } from "./chat/approvers.js";
import { ChatChannelLimiter } from "./chat/channel-limiter.js";
import { chatCoreFor, InFlight } from "./chat/chat-core.js";
import { ChatDirectory } from "./chat/directory.js";
import { FormDrafts } from "./chat/form-drafts.js";
import { requestThreadSync } from "./chat/request-sync.js";
import { entraApiSettings } from "./config/intake.js";
import { type Config, teamsSettings } from "./config.js";
import { createDb, type Db } from "./db.js";
import { DestinationLimiter } from "./delivery/destination-limiter.js";
import { digestTargets } from "./digest/post.js";
import type { EventSubscriber } from "./events.js";
import { mountAdminQueues } from "./http/admin-queues.js";
import { parseApiTokens } from "./http/api-tokens.js";
import { createWebApp, finishWebApp } from "./http/app.js";
import { documentsRouter } from "./http/documents-routes.js";
import { entraVerifier } from "./http/entra-auth.js";
import { responseRouter } from "./http/response-routes.js";
import { vacancyRouter } from "./http/vacancy-routes.js";
import { allJobTypes } from "./jobs/all.js";
import { startBackgroundLoops } from "./jobs/background.js";
import type { JobDeps } from "./jobs/deps.js";
import { listenForOutbox, type OutboxListener } from "./jobs/outbox-listener.js";
import { JobQueues } from "./jobs/queues.js";
import { startWorkers } from "./jobs/runtime.js";
import { ensureSchedules } from "./jobs/schedules.js";
import type { Logger } from "./logger.js";
import { migrateDatabase } from "./migrate.js";
import { useMetricSources } from "./observability/metrics.js";
import { type OpsServer, startOpsServer } from "./observability/ops-server.js";
import { setupTracing } from "./observability/tracing.js";
import { type Clock, type DeliveryChannelPort, systemClock } from "./ports.js";
import { createRedis } from "./redis.js";
import { writeAudit } from "./referrals/audit.js";
import { keyRingOf } from "./referrals/create.js";

export type Role = "web" | "worker" | "all";

export interface Service {
  db: Db;
  /** The web app (web roles), for tests that walk its routes. */
  app?: Express;
  queues: JobQueues;
  url?: string;
  /** The metrics and probes listener, when METRICS_PORT is set. */
  opsUrl?: string;
  close(): Promise<void>;
}

export interface ServiceOptions {
  config: Config;
  logger: Logger;
  role: Role;
  clock?: Clock;
  /** Chat adapters subscribe here to referral events. */
  subscribers?: EventSubscriber[];
  /** Replaces the real channels (tests measuring the core alone). */
  channels?: JobDeps["channels"];
  /** Chat platforms to post threads to (tests pass adapters pointed at local fakes). */
  chats?: JobDeps["chats"];
  /** The channels' posting schedule (tests pass one that records the slots it grants). */
  chatLimiter?: ChatChannelLimiter;
  /**
   * Tests only: the Teams bot's own outbound token, so a test with Teams credentials configured sends to its
   * local connector without asking Microsoft's login service (MSAL accepts only an https authority).
   */
  teamsBotToken?: () => Promise<string>;
  /** Test seam: fails raising a referral from chat after a step (see raiseReferral), to prove nothing is left. */
  raiseFault?: ChatCoreDeps["raiseFault"];
  /**
   * An HTTP server already listening, served instead of listening on PORT: the demo binds every port it needs
   * before it changes anything, so a port in use stops it with nothing touched.
   */
  server?: Server;
}

export async function startService(opts: ServiceOptions): Promise<Service> {
  const { config, logger, role } = opts;
  const clock = opts.clock ?? systemClock;
  // First, so that everything after it is traced (a no-op unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
  const tracing = await setupTracing({
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: config.OTEL_SERVICE_NAME,
  });
  if (config.MIGRATE_ON_START) await migrateDatabase(config.DATABASE_URL, logger);

  const db = createDb(config.DATABASE_URL, { poolSize: config.DATABASE_POOL_SIZE });
  const redis = createRedis(config.REDIS_URL);
  const queues = new JobQueues(redis, config.REDIS_PREFIX);
  const closers: (() => Promise<unknown>)[] = [];
  const queueNames = allJobTypes().map((t) => t.name);
  useMetricSources({ db, queues, queueNames });
  // Before anything that waits on Redis or PostgreSQL: probes must answer (live, not ready) while they are down.
  const ops: OpsServer | undefined =
    config.METRICS_PORT > 0
      ? await startOpsServer({ port: config.METRICS_PORT, host: config.HOST, db, redis }, logger)
      : undefined;

  if (role !== "web") {
    const workerRedis = createRedis(config.REDIS_URL, { forWorker: true });
    const channels: Record<string, DeliveryChannelPort> = opts.channels ?? {
      webhook: new WebhookChannel({
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK,
      }),
      email: new EmailChannel({
        smtpUrl: config.SMTP_URL,
        from: config.MAIL_FROM,
        messageIdDomain: new URL(config.PUBLIC_BASE_URL).hostname,
      }),
    };
    const councilUrl = config.COUNCIL_WEBHOOK_URL;
    const councilSecret = config.COUNCIL_WEBHOOK_SECRET;
    const council =
      councilUrl && councilSecret
        ? new CouncilWebhookChannel(
            new WebhookChannel({ timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK }),
            { url: councilUrl, secret: councilSecret },
          )
        : undefined;
    const deps: JobDeps = {
      db,
      clock,
      logger,
      config,
      channels,
      council,
      queues,
      // Every referral event brings its chat threads up to date; tests may listen too.
      subscribers: [
        (event) => requestThreadSync({ db, clock, queues, coalesceMs: config.CHAT_COALESCE_MS }, event.referralId),
        ...(opts.subscribers ?? []),
      ],
      chats: opts.chats ?? (await chatsFromConfig(config, db, logger, opts.teamsBotToken)),
      chatLimiter:
        opts.chatLimiter ?? new ChatChannelLimiter(redis, config.REDIS_PREFIX, config.CHAT_CHANNEL_INTERVAL_MS),
      limiter: new DestinationLimiter(
        redis,
        config.REDIS_PREFIX,
        config.DESTINATION_CONCURRENCY,
        config.WEBHOOK_TIMEOUT_MS + 20_000,
      ),
    };
    const types = allJobTypes();
    const workers: Worker[] = startWorkers(
      types,
      deps,
      workerRedis,
      {
        prefix: config.REDIS_PREFIX,
        concurrency: config.WORKER_CONCURRENCY,
        backoffBaseMs: config.DELIVERY_BACKOFF_MS,
        stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
      },
      logger,
    );
    // Upserted at every start: one scheduler per id however many workers run, and a changed setting applies. If
    // Redis is not answering yet, the reconciler puts them in place once it does.
    await ensureSchedules(queues, config).catch((err: Error) =>
      logger.warn({ error: err.message.slice(0, 200) }, "job schedulers not upserted yet"),
    );
    // The relay runs when a record commits (the listener), else on its poll: slow while the listener is up (a
    // safety net), fast while it is down, as it was before the listener.
    let listener: OutboxListener | undefined;
    const loops = startBackgroundLoops(deps, {
      relayMs: () => (listener?.listening ? config.OUTBOX_POLL_MS : Math.min(250, config.OUTBOX_POLL_MS)),
      reconcileMs: config.RECONCILE_INTERVAL_MS,
    });
    listener = listenForOutbox(config.DATABASE_URL, logger, () => loops.wakeRelay());
    // Shutdown order: stop the clocks, let in-flight jobs finish (BullMQ returns unfinished ones), close channels.
    closers.push(
      async () => {
        // A send job running its destination's waiting sends stops after the one in hand.
        deps.limiter.takingOver = false;
      },
      () => listener?.close(),
      () => loops.stop(),
      () => Promise.all(workers.map((w) => w.close())),
      () => Promise.all(Object.values(channels).map((c) => c.close?.())),
      () => workerRedis.quit().catch(() => undefined),
    );
    logger.info({ jobTypes: types.map((t) => t.name) }, "workers started");
    const digestChannels = digestTargets(deps);
    logger.info(
      { cron: config.DIGEST_CRON, channels: digestChannels.map((t) => `${t.platform}:${t.channelId}`) },
      digestChannels.length ? "daily digest scheduled" : "daily digest: no channel configured",
    );
  }

  let url: string | undefined;
  let app: Express | undefined;
  if (role !== "worker") {
    const slackOn = !!(config.SLACK_BOT_TOKEN && config.SLACK_SIGNING_SECRET && config.SLACK_REFERRALS_CHANNEL);
    const teams = teamsSettings(config);
    const entra = entraApiSettings(config);
    // A referral from the API is posted where a chat-raised one would be: each configured referrals channel.
    const referralChannels = [
      ...(slackOn && config.SLACK_REFERRALS_CHANNEL
        ? [{ platform: "slack", channelId: config.SLACK_REFERRALS_CHANNEL }]
        : []),
      ...(teams ? [{ platform: "teams", channelId: teams.referralsChannel }] : []),
    ];
    const web = createWebApp({
      db,
      redis,
      logger,
      clock,
      decisions: {
        db,
        clock,
        thresholdPence: config.SECOND_APPROVAL_THRESHOLD_GBP * 100,
        councilHandoff: Boolean(config.COUNCIL_WEBHOOK_URL),
      },
      apiTokens: parseApiTokens(config.ART_API_TOKENS).tokens,
      redisPrefix: config.REDIS_PREFIX,
      trustProxy: config.TRUST_PROXY,
      rateLimits: {
        windowMs: config.RATE_LIMIT_WINDOW_MS,
        responseLinks: config.RATE_LIMIT_RESPONSE_LINKS,
        api: config.RATE_LIMIT_API,
        inbound: config.RATE_LIMIT_INBOUND,
      },
      keyRing: keyRingOf(config),
      intake: { config, referralChannels },
      ...(entra ? { entra: entraVerifier(entra) } : {}),
    });
    app = web;
    const inFlight = new InFlight();
    const chatCoreDeps: ChatCoreDeps = {
      db,
      clock,
      config,
      queues,
      logger,
      ...(opts.raiseFault ? { raiseFault: opts.raiseFault } : {}),
      drafts: new FormDrafts(redis, config.REDIS_PREFIX, keyRingOf(config)),
    };
    if (slackOn && config.SLACK_BOT_TOKEN && config.SLACK_SIGNING_SECRET && config.SLACK_REFERRALS_CHANNEL) {
      const { mountSlack } = await import("../adapters/slack/slack-app.js");
      mountSlack(web, {
        signingSecret: config.SLACK_SIGNING_SECRET,
        botToken: config.SLACK_BOT_TOKEN,
        apiUrl: config.SLACK_API_URL,
        referralsChannel: config.SLACK_REFERRALS_CHANNEL,
        artUserIds: config.SLACK_ART_USER_IDS,
        seniorUserIds: config.SLACK_SENIOR_USER_IDS,
        ...(config.SLACK_ART_USERGROUP_ID ? { artUserGroupId: config.SLACK_ART_USERGROUP_ID } : {}),
        ...(config.SLACK_SENIOR_USERGROUP_ID ? { seniorUserGroupId: config.SLACK_SENIOR_USERGROUP_ID } : {}),
        raiserUserIds: config.SLACK_RAISER_USER_IDS,
        ...(config.SLACK_RAISER_USERGROUP_ID ? { raiserUserGroupId: config.SLACK_RAISER_USERGROUP_ID } : {}),
        logger,
        answersPublishedToAllDefault: config.ANSWERS_PUBLISHED_TO_ALL_DEFAULT,
        core: chatCoreFor(chatCoreDeps, "slack", inFlight),
      });
      logger.info("slack endpoint mounted at /slack/events");
    }
    if (teams) {
      const { mountTeams } = await import("../adapters/teams/teams-app.js");
      await mountTeams(web, {
        ...teams,
        logger,
        ...(opts.teamsBotToken ? { botToken: opts.teamsBotToken } : {}),
        core: chatCoreFor(chatCoreDeps, "teams", inFlight),
        answersPublishedToAllDefault: config.ANSWERS_PUBLISHED_TO_ALL_DEFAULT,
        directory: new ChatDirectory(db, "teams"),
        // Refused activities are audited (no referral: they never reached one); never the token or the body.
        auditRefusal: (refused) =>
          writeAudit(db, { actor: "teams:inbound", action: "teams.activity_refused", detail: { ...refused } }),
      });
      logger.info({ localMode: !teams.credentials }, "teams endpoint mounted at /api/messages");
    }
    web.use(responseRouter({ db, clock, tokenSecret: config.RESPONSE_TOKEN_SECRET, logger }));
    web.use(
      documentsRouter({
        db,
        clock,
        config,
        logger,
        apiTokens: parseApiTokens(config.ART_API_TOKENS).tokens,
        ...(entra ? { entra: entraVerifier(entra) } : {}),
      }),
    );
    web.use(vacancyRouter({ db, clock, tokenSecret: config.RESPONSE_TOKEN_SECRET, logger }));
    const inbound = {
      db,
      clock,
      secret: config.RESPONSE_TOKEN_SECRET,
      logger,
      ...(config.INBOUND_AUTHSERV_ID ? { authservId: config.INBOUND_AUTHSERV_ID } : {}),
    };
    // Off with INBOUND_EMAIL_HTTP=false; config refuses it without INBOUND_EMAIL_SECRET outside development.
    if (config.INBOUND_EMAIL_HTTP) {
      web.use(
        inboundEmailRouter({
          ...inbound,
          ...(config.INBOUND_EMAIL_SECRET ? { inboundSecret: config.INBOUND_EMAIL_SECRET } : {}),
        }),
      );
    }
    mountAdminQueues(web, {
      queues,
      queueNames,
      writable: config.ADMIN_QUEUES_WRITE,
      access: { apiTokens: parseApiTokens(config.ART_API_TOKENS).tokens, allowedIps: config.ADMIN_ALLOWED_IPS },
    });
    finishWebApp(web, logger);
    const server =
      opts.server?.on("request", web) ??
      (await new Promise<Server>((resolve, reject) => {
        // Express 5 hands a listen error (such as the port in use) to this callback rather than only emitting it.
        const s = web.listen(config.PORT, config.HOST, (err?: Error) => (err ? reject(err) : resolve(s)));
        s.once("error", reject);
      }));
    const addr = server.address();
    url = typeof addr === "object" && addr ? `http://${config.HOST}:${addr.port}` : undefined;
    // No new requests first, then the work that answered ones started, then (below) queues and database.
    closers.unshift(
      () => closeServer(server),
      async () => {
        const left = await inFlight.drain(SHUTDOWN_GRACE_MS);
        if (left) logger.warn({ left }, "chat work still running at shutdown");
      },
    );
    // Only when enabled explicitly: it accepts mail from anyone who reaches the port (config checks the port).
    if (config.INBOUND_SMTP_ENABLED) {
      const smtp = await startSmtpReceiver({
        port: config.INBOUND_SMTP_PORT,
        host: config.INBOUND_SMTP_HOST ?? config.HOST,
        replyDomain: config.MAIL_REPLY_DOMAIN,
        maxClients: config.INBOUND_SMTP_MAX_CLIENTS,
        ...inbound,
      });
      closers.unshift(() => smtp.close());
    }
    logger.info({ url, role }, "web server listening");
  }

  closers.push(() => tracing.shutdown());

  return {
    db,
    queues,
    url,
    ...(app ? { app } : {}),
    ...(ops ? { opsUrl: ops.url } : {}),
    async close() {
      for (const close of closers) await close();
      await queues.close();
      await redis.quit().catch(() => undefined);
      // A query still waiting for a connection would keep the pool from ever closing: bounded, so the process
      // still exits (its transactions roll back) rather than wait for the orchestrator's SIGKILL.
      const timer = new Promise<"timeout">((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS, "timeout").unref());
      if ((await Promise.race([db.$disconnect(), timer])) === "timeout") {
        logger.error("database connections still busy after the shutdown grace period: closing anyway");
      }
      await ops?.close();
    },
  };
}

/** How long requests in flight may take to finish once the service is told to stop. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Stops taking requests and waits for those in flight, at most SHUTDOWN_GRACE_MS; then the connections still open
 * are cut, so a client that keeps a connection open cannot keep the process from stopping.
 */
function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** The chat platforms whose settings are present (each adapter, and its SDK, loaded only then). */
export async function chatsFromConfig(
  config: Config,
  db: Db,
  logger: Logger,
  teamsBotToken?: () => Promise<string>,
): Promise<JobDeps["chats"]> {
  const chats: JobDeps["chats"] = {};
  if (config.SLACK_BOT_TOKEN) {
    const { SlackChat, slackClient } = await import("../adapters/slack/slack-chat.js");
    chats.slack = new SlackChat(slackClient(config.SLACK_BOT_TOKEN, config.SLACK_API_URL));
  }
  const teams = teamsSettings(config);
  if (teams) {
    const [{ apiForServiceUrl, createTeamsApp, entraGroupMembers }, { TeamsChat }] = await Promise.all([
      import("../adapters/teams/teams-app.js"),
      import("../adapters/teams/teams-chat.js"),
    ]);
    const app = createTeamsApp({ ...teams, logger, ...(teamsBotToken ? { botToken: teamsBotToken } : {}) });
    const groupMembers = entraGroupMembers(app);
    const art = membershipOf(config, "teams", { groupMembers }, logger);
    const tenantId = teams.credentials?.tenantId ?? config.TEAMS_TENANT_ID;
    chats.teams = new TeamsChat({
      apiFor: apiForServiceUrl(app, teams.serviceUrls),
      groupMembers,
      artMembers: () => art.membersOf("art"),
      answersPublishedToAllDefault: config.ANSWERS_PUBLISHED_TO_ALL_DEFAULT,
      ...(tenantId ? { tenantId } : {}),
      defaultServiceUrl: teams.serviceUrl,
      directory: new ChatDirectory(db, "teams"),
      serviceUrls: teams.serviceUrls,
      logger,
    });
  }
  return chats;
}
