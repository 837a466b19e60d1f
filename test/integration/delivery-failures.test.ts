// Real workers delivering to real local receivers: retryable failures are retried (honouring Retry-After),
// permanent ones fail at once with the reason, and a dead provider never holds up the others.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookChannel } from "../../adapters/webhook/webhook-channel.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { systemClock } from "../../src/ports.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { capturingLogger, freshLot, isolatedEnv, socialWorker } from "../helpers/env.js";
import { eventually, WebhookReceivers } from "../helpers/receivers.js";
import { referralInput } from "../helpers/referrals.js";
import { startTestService } from "../helpers/service.js";

const receivers = new WebhookReceivers();
let db: Db;
let service: Service;
let config: Awaited<ReturnType<typeof isolatedEnv>>["config"];

beforeAll(async () => {
  await receivers.start();
  ({ db, config } = await isolatedEnv("failures", {
    DELIVERY_BACKOFF_MS: "100",
    DELIVERY_MAX_ATTEMPTS: "3",
    RECONCILE_INTERVAL_MS: "60000",
  }));
  service = await startTestService({
    config,
    logger: capturingLogger().logger,
    role: "worker",
    channels: { webhook: new WebhookChannel({ timeoutMs: 400, allowLoopback: true }) },
  });
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
  await receivers.stop();
});

async function providerAt(lotId: number, path: string) {
  return db.provider.create({
    data: {
      name: `Provider ${path}`,
      webhookUrl: receivers.urlFor(path),
      webhookSecret: receivers.secretFor(path),
      needsCovered: ["SEMH"],
      lots: { create: { lotId } },
    },
  });
}

describe("delivery failures", () => {
  it("classifies every kind of failure and keeps the healthy providers flowing", async () => {
    const lot = await freshLot(db);
    const paths = ["/ok", "/flaky-503", "/busy-429", "/bad-400", "/gone-410", "/dead", "/slow"];
    const providers = new Map<string, string>();
    for (const p of paths) providers.set(p, (await providerAt(lot.id, p)).id);
    receivers.behaviour = ({ path, attempt }) => {
      if (path === "/flaky-503") return attempt === 1 ? { status: 503 } : { status: 200 };
      if (path === "/busy-429")
        return attempt === 1 ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 };
      if (path === "/bad-400") return { status: 400 };
      if (path === "/gone-410") return { status: 410 };
      if (path === "/dead") return { status: 500 };
      if (path === "/slow") return "hang";
      return { status: 200 };
    };
    const r = await raiseReferral({ db, clock: systemClock, config }, referralInput(lot.number), socialWorker());
    expect(r.deliveries).toBe(paths.length);

    const stateOf = async (path: string) =>
      db.delivery.findFirstOrThrow({ where: { providerId: providers.get(path)!, round: { referralId: r.id } } });
    // The healthy provider is not held up by the hanging one: it is delivered while /slow is still retrying.
    await eventually(async () => (await stateOf("/ok")).state === "delivered", "/ok delivered");
    expect((await stateOf("/slow")).state).not.toBe("failed");

    const settled = async () => {
      const rows = await db.delivery.findMany({ where: { round: { referralId: r.id } } });
      return rows.every((d) => d.state === "delivered" || d.state === "failed");
    };
    await eventually(settled, "every delivery settled", 20_000);

    expect(await stateOf("/flaky-503")).toMatchObject({ state: "delivered", attempts: 2 });
    const busy = await stateOf("/busy-429");
    expect(busy).toMatchObject({ state: "delivered", attempts: 2 });
    expect(receivers.attempts.get(`/busy-429#${busy.id}`)).toBe(2);
    expect(await stateOf("/bad-400")).toMatchObject({ state: "failed", attempts: 1 });
    expect((await stateOf("/bad-400")).lastError).toBe("answered 400");
    expect(await stateOf("/gone-410")).toMatchObject({ state: "failed", attempts: 1 });
    // 410 means "stop sending to us": the provider is suspended with a reason ART can read.
    expect(await db.provider.findUniqueOrThrow({ where: { id: providers.get("/gone-410")! } })).toMatchObject({
      status: "suspended",
      statusReason: expect.stringContaining("410"),
    });
    expect(await stateOf("/dead")).toMatchObject({ state: "failed", attempts: 3 });
    expect(await stateOf("/slow")).toMatchObject({ state: "failed", attempts: 3 });
    expect((await stateOf("/slow")).lastError).toBe("timed out");
    expect(receivers.badSignatures).toEqual([]);

    // Failures are visible to ART: one delivery.failed event per failed delivery, in the outbox.
    const events = await db.outboxEvent.findMany({ where: { kind: "event" } });
    const failed = events.filter((e) => (e.payload as { type: string; referralId: string }).type === "delivery.failed");
    expect(failed).toHaveLength(4);
  });
});
