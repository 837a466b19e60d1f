// A floor under the fan-out's throughput, run as its own process like the service's worker: one BullMQ job per
// delivery (the service's shape: each send retried and recorded on its own), whose handler does only the signed
// POST the bare client does ("queue"), or that POST and one committed row update in PostgreSQL ("commit": the
// least a delivery can write to be recorded), or both inside a slot at the destination taken from and given back to
// the service's own per-destination limiter ("slot": what the product's limit on sends in flight to one host adds
// to each delivery, two Redis scripts). No Prisma, no claim, no thread sync: what is left is what any
// job-per-delivery design pays. The benchmark sends it the payloads over IPC and times the jobs it queues.
import "../../setup/no-egress.js";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { Webhook } from "standardwebhooks";
import { DestinationLimiter, destinationOf } from "../../../src/delivery/destination-limiter.js";

export interface FloorJob {
  url: string;
  secret: string;
  webhookId: string;
  body: number;
  row: number;
}

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`floor worker: ${name} is not set`);
  return v;
};
const mode = env("FLOOR_MODE");
const pool = mode !== "queue" ? new pg.Pool({ connectionString: env("DATABASE_URL"), max: 10 }) : undefined;
// The service's limiter with its default limit and slot lifetime; the receivers never make a job wait for a slot
// (at most the limit in flight to each host), so a refusal is a broken benchmark.
const limiter =
  mode === "slot"
    ? new DestinationLimiter(
        new Redis(env("REDIS_URL")),
        `${env("FLOOR_PREFIX")}:floor`,
        Number(env("FLOOR_PER_HOST")),
        30_000,
      )
    : undefined;
let bodies: string[] = [];
process.on("message", (m: { bodies: string[] }) => {
  bodies = m.bodies;
  process.send?.("bodies");
});

const worker = new Worker<FloorJob>(
  env("FLOOR_QUEUE"),
  async (job) => {
    const d = job.data;
    const release = await limiter?.acquire(destinationOf({ channel: "webhook", webhookUrl: d.url }));
    if (limiter && !release) throw new Error("floor worker: refused a destination slot");
    const body = bodies[d.body]!;
    const at = new Date();
    const res = await fetch(d.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": d.webhookId,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": new Webhook(d.secret).sign(d.webhookId, at, body),
      },
      body,
    });
    await res.arrayBuffer();
    await release?.();
    if (res.status !== 200) throw new Error(`floor worker: HTTP ${res.status}`);
    await pool?.query("UPDATE floor_delivery SET delivered_at = now() WHERE id = $1 AND delivered_at IS NULL", [d.row]);
  },
  {
    connection: new Redis(env("REDIS_URL"), { maxRetriesPerRequest: null }),
    prefix: env("FLOOR_PREFIX"),
    concurrency: Number(env("FLOOR_CONCURRENCY")),
  },
);
await worker.waitUntilReady();
process.send?.("ready");
process.on("SIGTERM", async () => {
  await worker.close();
  await pool?.end();
  process.exit(0);
});
