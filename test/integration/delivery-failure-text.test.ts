// What ART reads about a failed delivery, in the thread and the digest: a classified reason, never the socket
// error or an internal address (which would make the thread a port-scan oracle). The raw detail goes to the log.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildThread, loadThreadState } from "../../src/chat/thread-model.js";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { buildDigest } from "../../src/digest/build.js";
import type { Service } from "../../src/main.js";
import { systemClock } from "../../src/ports.js";
import { raiseReferral } from "../../src/referrals/raise.js";
import { capturingLogger, freshLot, isolatedEnv, socialWorker } from "../helpers/env.js";
import { eventually } from "../helpers/receivers.js";
import { referralInput } from "../helpers/referrals.js";
import { startTestService } from "../helpers/service.js";

const RAW = /ECONN|EHOST|ENOTFOUND|127\.0\.0\.1|10\.0\.0\.1|169\.254|:\d{2,5}\b|fetch failed|TypeError/;
let db: Db;
let config: Config;
let service: Service;
const log = capturingLogger();

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("failtext", {
    DELIVERY_MAX_ATTEMPTS: "1",
    RECONCILE_INTERVAL_MS: "60000",
    WEBHOOK_ALLOW_LOOPBACK: "true",
  }));
  // The service builds its own channels from config, as in production.
  service = await startTestService({ config, logger: log.logger, role: "worker" });
});
afterAll(async () => {
  await service.close();
  await db.$disconnect();
});

async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe("delivery failure text", () => {
  it("shows a classified reason in the thread, the event and the digest; the detail only in the log", async () => {
    const lot = await freshLot(db);
    const port = await closedPort();
    const urls = {
      refused: `http://127.0.0.1:${port}/hook`,
      metadata: "http://169.254.169.254/latest/meta-data/",
      internal: "https://10.0.0.1:5432/",
    };
    for (const [name, webhookUrl] of Object.entries(urls)) {
      await db.provider.create({
        data: {
          name: `Provider ${name}`,
          webhookUrl,
          webhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
          needsCovered: ["SEMH"],
          lots: { create: { lotId: lot.id } },
        },
      });
    }
    const r = await raiseReferral({ db, clock: systemClock, config }, referralInput(lot.number), socialWorker());
    const rows = () => db.delivery.findMany({ where: { round: { referralId: r.id } }, include: { provider: true } });
    await eventually(async () => (await rows()).every((d) => d.state === "failed"), "every delivery failed");

    const reasonOf = new Map((await rows()).map((d) => [d.provider.name, d.lastError]));
    expect(Object.fromEntries(reasonOf)).toEqual({
      "Provider refused": "the provider's endpoint refused the connection",
      "Provider metadata": "address not allowed",
      "Provider internal": "address not allowed",
    });

    const thread = buildThread(await loadThreadState(db, r.id));
    const failed = thread.items.filter((i) => i.kind === "delivery_failed");
    expect(failed).toHaveLength(3);
    for (const item of failed) expect(JSON.stringify(item)).not.toMatch(RAW);

    const events = await db.outboxEvent.findMany({ where: { kind: "event" } });
    const errors = events
      .map((e) => e.payload as { type: string; referralId: string; error?: string })
      .filter((p) => p.type === "delivery.failed" && p.referralId === r.id)
      .map((p) => p.error);
    expect(errors.sort()).toEqual([
      "address not allowed",
      "address not allowed",
      "the provider's endpoint refused the connection",
    ]);

    const digest = await buildDigest(db, new Date());
    const lines = digest.sections
      .find((s) => s.key === "failed_deliveries")!
      .lines.filter((l) => l.referralId === r.id);
    expect(lines.map((l) => l.text).sort()).toEqual([
      "could not reach Provider internal: address not allowed",
      "could not reach Provider metadata: address not allowed",
      "could not reach Provider refused: the provider's endpoint refused the connection",
    ]);

    // The operator can still find out what happened: the detail is logged (host and socket error, no child data).
    const logged = log.lines.join("");
    expect(logged).toContain("ECONNREFUSED");
    expect(logged).toContain("address not allowed");
  });

  it("never shows raw error text stored before classification existed", async () => {
    const lot = await freshLot(db);
    await db.provider.create({
      data: {
        name: "Provider legacy",
        email: "legacy@provider.test",
        needsCovered: ["SEMH"],
        lots: { create: { lotId: lot.id } },
      },
    });
    const r = await raiseReferral({ db, clock: systemClock, config }, referralInput(lot.number), socialWorker());
    const d = await db.delivery.findFirstOrThrow({ where: { round: { referralId: r.id } } });
    const settled = async () =>
      ["failed", "delivered"].includes((await db.delivery.findUniqueOrThrow({ where: { id: d.id } })).state);
    await eventually(settled, "the delivery settled");
    await db.delivery.update({
      where: { id: d.id },
      data: { state: "failed", lastError: "webhook to 127.0.0.1:5432 failed: ECONNREFUSED" },
    });
    const item = buildThread(await loadThreadState(db, r.id)).items.find((i) => i.kind === "delivery_failed");
    expect(item).toMatchObject({ error: "delivery failed" });
    const digest = await buildDigest(db, new Date());
    const line = digest.sections.find((s) => s.key === "failed_deliveries")!.lines.find((l) => l.referralId === r.id);
    expect(line?.text).toBe("could not reach Provider legacy: delivery failed");
  });
});
