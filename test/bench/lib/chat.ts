// The chat benchmarks' world: the service's web and worker processes with Slack (a local fake of its Web API)
// and Teams (the local Bot Framework connector) both on, each call to either timestamped when it arrives, and
// referrals raised into a thread with N webhook providers who then answer with offers through their links.
import { LocalConnector } from "../../../adapters/teams/local/connector.js";
import { systemClock } from "../../../src/ports.js";
import { ensureLots } from "../../../src/providers/directory.js";
import { raiseReferral } from "../../../src/referrals/raise.js";
import { responseTokenFor, responseUrlFor } from "../../../src/responses/tokens.js";
import { londonDaysAfter } from "../../helpers/dates.js";
import { referralInput } from "../../helpers/referrals.js";
import { FakeSlackApi } from "../../helpers/slack.js";
import { visibleText } from "../../helpers/teams.js";
import { type BenchEnv, benchEnv, jitter, type ServiceProcess, sleep, startRole, until } from "./harness.js";
import { benchProviders, LoopbackHosts } from "./hosts.js";

export const SLACK_CHANNEL = "C0REFERRALS";
export const TEAMS_CHANNEL = "19:bench-referrals@thread.tacv2";
export const SLACK_SECRET = "slack-signing-secret-for-bench";
export type Platform = "slack" | "teams";

export const money = (gbp: number) => `£${gbp.toLocaleString("en-GB", { maximumFractionDigits: 2 })}`;

export interface ChatWorld {
  bench: BenchEnv;
  slack: FakeSlackApi;
  connector: LocalConnector;
  /** When each call to post or update a Teams message in the channel arrived. */
  teamsPosts: number[];
  web: ServiceProcess;
  worker: ServiceProcess;
  hosts: LoopbackHosts;
  stop(): Promise<void>;
}

export async function chatWorld(providersPerLot: number): Promise<ChatWorld> {
  const slack = new FakeSlackApi("xoxb-bench-token");
  await slack.start();
  const teamsPosts: number[] = [];
  const connector = new LocalConnector();
  await connector.start(0, "127.0.0.1", (app) =>
    app.use((req, _res, next) => {
      if ((req.method === "POST" || req.method === "PUT") && decodeURIComponent(req.path).includes(TEAMS_CHANNEL))
        teamsPosts.push(Date.now());
      next();
    }),
  );
  const bench = await benchEnv({
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.url,
    SLACK_REFERRALS_CHANNEL: SLACK_CHANNEL,
    SLACK_ART_USER_IDS: "UART1",
    TEAMS_LOCAL_MODE: "true",
    TEAMS_SERVICE_URL: connector.url,
    TEAMS_REFERRALS_CHANNEL: TEAMS_CHANNEL,
    TEAMS_ART_USER_IDS: "aad-art1",
  });
  const hosts = new LoopbackHosts(1);
  await hosts.start();
  await ensureLots(bench.db);
  // Providers answer at once: what is measured is the chat side.
  for (const lot of [1, 2, 3]) await benchProviders(bench.db, hosts, lot, providersPerLot, `Chat${lot}`);
  const web = await startRole(bench, "web");
  const worker = await startRole(bench, "worker");
  connector.botUrl = bench.env.PUBLIC_BASE_URL!;
  return {
    bench,
    slack,
    connector,
    teamsPosts,
    web,
    worker,
    hosts,
    async stop() {
      await worker.stop();
      await web.stop();
      await hosts.stop();
      await slack.stop();
      await connector.stop();
      await bench.cleanup();
    },
  };
}

export interface Thread {
  referralId: string;
  deliveryIds: string[];
}

/** A referral raised into the platform's channel, once every delivery is recorded and its card is posted. */
export async function threadWith(w: ChatWorld, platform: Platform, lot: number, providers: number): Promise<Thread> {
  const { db, config } = w.bench;
  const r = await raiseReferral(
    { db, clock: systemClock, config },
    referralInput(lot),
    { id: "bench", art: false },
    { chatLink: { platform, channelId: platform === "slack" ? SLACK_CHANNEL : TEAMS_CHANNEL } },
  );
  const delivered = () => db.delivery.count({ where: { round: { referralId: r.id }, state: "delivered" } });
  await until(async () => (await delivered()) === providers, "all delivered", 300_000);
  await until(
    async () => Boolean((await db.chatLink.findFirst({ where: { referralId: r.id } }))?.threadId),
    "the referral's card posted",
  );
  const ds = await db.delivery.findMany({ where: { round: { referralId: r.id } }, select: { id: true } });
  return { referralId: r.id, deliveryIds: ds.map((d) => d.id) };
}

/**
 * A provider's offer through its response link (the web process's POST /r/<token>); a 5xx is retried, as a
 * provider's system would, up to five times. How many attempts were refused with a 5xx, and whether it was stored.
 */
export async function postOffer(
  w: ChatWorld,
  deliveryId: string,
  weeklyCostGbp: number,
): Promise<{ refused: number; stored: boolean }> {
  let refused = 0;
  for (; refused < 5; refused++) {
    const status = await offerOnce(w, deliveryId, weeklyCostGbp);
    if (status === 201) return { refused, stored: true };
    if (status < 500) throw new Error(`offer: HTTP ${status}`);
    await sleep(jitter(500 * (refused + 1)));
  }
  return { refused, stored: false };
}

async function offerOnce(w: ChatWorld, deliveryId: string, weeklyCostGbp: number): Promise<number> {
  const token = responseTokenFor(w.bench.config.RESPONSE_TOKEN_SECRET, deliveryId);
  const res = await fetch(responseUrlFor(w.bench.config.PUBLIC_BASE_URL, token), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      type: "offer",
      weeklyCostGbp,
      startDate: londonDaysAfter(new Date(), 10),
      needsMet: "Ready",
    }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** When each of these amounts first appeared in a message in the platform's channel (epoch ms; absent: never). */
export function firstSeen(w: ChatWorld, platform: Platform, amounts: number[]): Map<number, number> {
  const wanted = new Map(amounts.map((a) => [money(a), a]));
  const seen = new Map<number, number>();
  if (platform === "slack") {
    for (const c of w.slack.calls) {
      if (c.method !== "chat.postMessage" && c.method !== "chat.update") continue;
      if (c.args.channel !== SLACK_CHANNEL) continue;
      const text = JSON.stringify(c.args.blocks ?? c.args.text ?? "");
      for (const [m, a] of wanted) if (!seen.has(a) && text.includes(m)) seen.set(a, c.at);
    }
  } else {
    for (const [a, at] of teamsSeen) if (wanted.has(money(a))) seen.set(a, at);
  }
  return seen;
}

// Teams messages change in place; the connector only keeps their latest state, so first sightings are recorded
// on every change.
const teamsSeen = new Map<number, number>();
export function watchTeams(w: ChatWorld, amounts: number[]): () => void {
  const wanted = new Map(amounts.map((a) => [money(a), a]));
  return w.connector.onChange(() => {
    const now = Date.now();
    for (const m of w.connector.messages) {
      if (m.conversationId !== TEAMS_CHANNEL) continue;
      const text = visibleText(m);
      for (const [s, a] of wanted) if (!teamsSeen.has(a) && text.includes(s)) teamsSeen.set(a, now);
    }
  });
}

/** When the platform's channel was last posted to or updated (epoch ms). */
export function lastPostAt(w: ChatWorld, platform: Platform): number {
  if (platform === "teams") return w.teamsPosts.at(-1) ?? 0;
  return w.slack.calls.filter((c) => c.args.channel === SLACK_CHANNEL).at(-1)?.at ?? 0;
}

/**
 * The calls in the channel that count against its one-message-a-second limit (epoch ms). Teams: every post and
 * update (the connector's per-thread limit counts both). Slack: chat.postMessage only; chat.update is not
 * posting, it has its own method limit (Tier 3, 50+ a minute per workspace: see `slackUpdateTimes`).
 */
export function postTimes(w: ChatWorld, platform: Platform): number[] {
  if (platform === "teams") return [...w.teamsPosts];
  return w.slack.calls
    .filter((c) => c.method === "chat.postMessage" && c.args.channel === SLACK_CHANNEL)
    .map((c) => c.at);
}

/** When Slack messages in the channel were edited (epoch ms). */
export function slackUpdateTimes(w: ChatWorld): number[] {
  return w.slack.calls.filter((c) => c.method === "chat.update" && c.args.channel === SLACK_CHANNEL).map((c) => c.at);
}

/** The most of these calls in any one window of `windowMs`. */
export function maxPerWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** The most posts that fall in any one-second window. */
export const maxPerSecond = (times: number[]) => maxPerWindow(times, 1000);
