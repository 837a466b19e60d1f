// The web role: the HTTP app (chat endpoints, provider links, the API, inbound email) and the SMTP receiver.
// Loaded only by a process that runs it, so a worker does not hold the routes. The chat adapters are imported only
// when their platform is configured: their SDKs (Bolt, the Teams SDK) take tens of MB of memory.
import type { Server } from "node:http";
import { inboundEmailRouter } from "../../adapters/email/inbound-http.js";
import { startSmtpReceiver } from "../../adapters/email/smtp-receiver.js";
import type { ChatCoreDeps } from "../chat/actions.js";
import { chatCoreFor, InFlight } from "../chat/chat-core.js";
import { ChatDirectory } from "../chat/directory.js";
import { FormDrafts } from "../chat/form-drafts.js";
import { entraApiSettings } from "../config/intake.js";
import { teamsSettings } from "../config.js";
import { mountAdminQueues } from "../http/admin-queues.js";
import { parseApiTokens } from "../http/api-tokens.js";
import { createWebApp, finishWebApp } from "../http/app.js";
import { documentsRouter } from "../http/documents-routes.js";
import { entraVerifier } from "../http/entra-auth.js";
import { responseRouter } from "../http/response-routes.js";
import { vacancyRouter } from "../http/vacancy-routes.js";
import { writeAudit } from "../referrals/audit.js";
import { keyRingOf } from "../referrals/create.js";
import { type RoleContext, SHUTDOWN_GRACE_MS } from "./context.js";

export async function startWebRole({
  opts,
  config,
  logger,
  clock,
  db,
  redis,
  queues,
  queueNames,
  closers,
}: RoleContext) {
  const role = opts.role;
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
  const app = web;
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
    const { mountSlack } = await import("../../adapters/slack/slack-app.js");
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
      inFlight,
    });
    logger.info("slack endpoint mounted at /slack/events");
  }
  if (teams) {
    const { mountTeams } = await import("../../adapters/teams/teams-app.js");
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
  const url = typeof addr === "object" && addr ? `http://${config.HOST}:${addr.port}` : undefined;
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
  return { app, url };
}

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
