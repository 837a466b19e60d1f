// The worker role: the job handlers (src/jobs/), the delivery channels, the schedules and the background loops.
// Loaded only by a process that runs it, so a web process does not hold the handlers.
import type { Worker } from "bullmq";
import { EmailChannel } from "../../adapters/email/email-channel.js";
import { CouncilWebhookChannel } from "../../adapters/webhook/council-channel.js";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import { ChatChannelLimiter } from "../chat/channel-limiter.js";
import { requestThreadSync } from "../chat/request-sync.js";
import { DestinationLimiter } from "../delivery/destination-limiter.js";
import { digestTargets } from "../digest/post.js";
import { allJobTypes } from "../jobs/all.js";
import { startBackgroundLoops } from "../jobs/background.js";
import type { JobDeps } from "../jobs/deps.js";
import { listenForOutbox, type OutboxListener } from "../jobs/outbox-listener.js";
import { startWorkers } from "../jobs/runtime.js";
import { ensureSchedules } from "../jobs/schedules.js";
import type { DeliveryChannelPort } from "../ports.js";
import { createRedis } from "../redis.js";
import { chatsFromConfig } from "./chats.js";
import type { RoleContext } from "./context.js";

export async function startWorkerRole({ opts, config, logger, clock, db, redis, queues, closers }: RoleContext) {
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
      // A slot's lifetime, and how long a parked job waits at most: a batch claims its next send while the send
      // before is in flight (both may take the whole timeout), with a margin for the bookkeeping around them.
      2 * config.WEBHOOK_TIMEOUT_MS + 20_000,
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
