// The outbox relay runs when a record commits, not at its next poll: a trigger NOTIFYs and the worker LISTENs.
// The poll is set to ten minutes here, so only the notification can relay a record within the test's wait; the
// listener's connection is cut mid-test and must come back on its own.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { listenForOutbox, OUTBOX_LISTENER_NAME } from "../../src/jobs/outbox-listener.js";
import type { Service } from "../../src/main.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { eventually } from "../helpers/receivers.js";
import { startTestService } from "../helpers/service.js";

let db: Db;
let config: Config;

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("outboxwake", { OUTBOX_POLL_MS: "600000", RECONCILE_INTERVAL_MS: "600000" }));
});
afterAll(async () => {
  await db.$disconnect();
});

/** Ends this database's listener connections from outside, as a PostgreSQL restart or a failover would. */
async function cutListeners(): Promise<number> {
  const admin = new pg.Client({ connectionString: config.DATABASE_URL });
  await admin.connect();
  try {
    const r = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
      [OUTBOX_LISTENER_NAME],
    );
    return r.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

const record = (kind: string) => db.outboxEvent.create({ data: { kind, payload: {} } });

describe("outbox listener", () => {
  it("hears a committed record, and listens again after its connection is cut", async () => {
    let heard = 0;
    const listener = listenForOutbox(config.DATABASE_URL, capturingLogger().logger, () => heard++, { retryMs: 50 });
    try {
      await eventually(() => listener.listening, "listening");
      const before = heard;
      await record("test.heard");
      await eventually(() => heard > before, "notified of the insert");

      expect(await cutListeners()).toBe(1);
      await eventually(() => !listener.listening, "noticed the cut");
      await eventually(() => listener.listening, "listening again");
      const after = heard;
      await record("test.heard-again");
      await eventually(() => heard > after, "notified after reconnecting");
    } finally {
      await listener.close();
    }
  });

  it("a record written in a rolled-back transaction is not announced; the next committed one is", async () => {
    const heard: number[] = [];
    const listener = listenForOutbox(config.DATABASE_URL, capturingLogger().logger, () => heard.push(Date.now()));
    try {
      await eventually(() => listener.listening, "listening");
      const start = heard.length;
      await db
        .$transaction(async (tx) => {
          await tx.outboxEvent.create({ data: { kind: "test.rolled-back", payload: {} } });
          throw new Error("roll back");
        })
        .catch(() => undefined);
      await record("test.committed");
      await eventually(() => heard.length > start, "notified of the commit");
      // Notifications arrive in commit order: had the rolled-back insert been announced, it would come first and
      // this would be 2 or more by now. One NOTIFY per committed transaction.
      expect(heard.length - start).toBe(1);
    } finally {
      await listener.close();
    }
  });

  it("the worker relays a committed record at once, with a ten-minute poll", async () => {
    const service: Service = await startTestService({ config, logger: capturingLogger().logger, role: "worker" });
    try {
      // The worker's listener is up, and the relay's first (start-up) pass and fast poll are behind it.
      await eventually(async () => {
        const rows = await db.$queryRaw<{ n: bigint }[]>`
          SELECT count(*) AS n FROM pg_stat_activity
          WHERE application_name = ${OUTBOX_LISTENER_NAME} AND datname = current_database()`;
        return rows[0]!.n === 1n;
      }, "worker listening");
      await new Promise((r) => setTimeout(r, 600));
      const row = await record("test.relay");
      await eventually(
        async () => (await db.outboxEvent.findUniqueOrThrow({ where: { id: row.id } })).dispatchedAt !== null,
        "relayed",
        10_000,
      );
    } finally {
      await service.close();
    }
  });
});
