// A worker killed with SIGKILL mid-send: the job is picked up again after the stall interval and the provider
// ends with exactly one accepted delivery (same webhook-id on the retry). SIGTERM lets in-flight work finish.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { systemClock } from "../../src/ports.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { freshLot, isolatedEnv, socialWorker } from "../helpers/env.js";
import { type Child, envOf, spawnService } from "../helpers/processes.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { referralInput } from "../helpers/referrals.js";

const receivers = new WebhookReceivers();
const children: Child[] = [];
let db: Db;
let config: Config;

beforeAll(async () => {
  await receivers.start();
  ({ db, config } = await isolatedEnv("crash", { WORKER_STALLED_INTERVAL_MS: "1000" }));
});
afterAll(async () => {
  for (const c of children) c.child.kill("SIGKILL");
  await db.$disconnect();
  await receivers.stop();
});

const worker = () => {
  const c = spawnService(
    ["serve", "--role", "worker"],
    envOf(config, {
      WORKER_STALLED_INTERVAL_MS: "1000",
      RECONCILE_INTERVAL_MS: "60000",
      // The provider's receiver is on loopback.
      WEBHOOK_ALLOW_LOOPBACK: "true",
    }),
  );
  children.push(c);
  return c;
};

async function oneWebhookReferral(path: string) {
  const lot = await freshLot(db);
  await db.provider.create({
    data: {
      name: `Provider ${path}`,
      webhookUrl: receivers.urlFor(path),
      webhookSecret: receivers.secretFor(path),
      needsCovered: ["SEMH"],
      lots: { create: { lotId: lot.id } },
    },
  });
  return raiseReferral({ db, clock: systemClock, config }, referralInput(lot.number), socialWorker());
}

describe("worker crashes and shutdown", () => {
  it("SIGKILL mid-send: retried after the stall interval, exactly one accepted delivery", async () => {
    receivers.behaviour = ({ path, attempt }) =>
      path === "/kill" && attempt === 1 ? { status: 200, delayMs: 1500 } : { status: 200 };
    const first = worker();
    const r = await oneWebhookReferral("/kill");
    await eventually(() => [...receivers.attempts.keys()].some((k) => k.startsWith("/kill#")), "first request arrives");
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe(null);
    const d0 = await db.delivery.findFirstOrThrow({ where: { round: { referralId: r.id } } });
    expect(d0.state).toBe("sending"); // the crash left it mid-send

    worker();
    await eventually(
      async () => (await db.delivery.findFirstOrThrow({ where: { id: d0.id } })).state === "delivered",
      "delivered by the second worker",
      30_000,
    );
    const d = await db.delivery.findFirstOrThrow({ where: { id: d0.id } });
    expect(d.attempts).toBe(2);
    expect(receivers.attempts.get(`/kill#${d.id}`)).toBe(2);
    // The provider's system saw the message twice with the same webhook-id and so accepted it once.
    expect(receivers.accepted.filter((a) => a.path === "/kill").map((a) => a.id)).toEqual([d.id, d.id]);
    expect(receivers.uniqueAccepted("/kill").size).toBe(1);
  });

  it("SIGTERM: the in-flight send finishes before the worker exits", { timeout: 90_000 }, async () => {
    for (const c of children.splice(0)) c.child.kill("SIGKILL");
    receivers.behaviour = ({ path }) => (path === "/term" ? { status: 200, delayMs: 1000 } : { status: 200 });
    const w = worker();
    // Generous: a cold tsx start on a loaded 2-core machine can take several seconds.
    await eventually(() => w.output().includes("workers started"), "worker up", 60_000);
    const r = await oneWebhookReferral("/term");
    await eventually(() => [...receivers.attempts.keys()].some((k) => k.startsWith("/term#")), "request arrives");
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
    const d = await db.delivery.findFirstOrThrow({ where: { round: { referralId: r.id } } });
    expect(d).toMatchObject({ state: "delivered", attempts: 1 });
    expect(receivers.uniqueAccepted("/term").size).toBe(1);
  });
});
