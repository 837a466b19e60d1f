// The throughput row's floors (floor-worker.ts): the same payloads the bare client re-sends, each one BullMQ job
// run by a worker process of its own, with only the POST ("queue"), the POST and one committed row ("commit"), or
// those inside a slot of the service's per-destination limiter ("slot").
// Their rates say how much of the gap to the bare client any job-per-delivery design pays before the service's own
// work (claim, slot, recording, thread sync) starts. Paced like the fan-out rows (receivers answering in 200 ms),
// the "commit" floor also gives their floors: its last answer against the theoretical time, and its CPU per
// delivery with as many in flight as one destination allows against as many as the worker has slots.
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import type { FloorJob } from "./floor-worker.js";
import { type BenchEnv, cpuMs, until } from "./harness.js";
import type { LoopbackHosts } from "./hosts.js";

export type FloorMode = "queue" | "commit" | "slot";
export type FloorRun = { perSecond: number; lastMs: number; cpuPerDeliveryMs: number };

export class FloorWorker {
  private child?: ChildProcess;
  private queue?: Queue<FloorJob>;
  private redis?: Redis;
  private readonly name: string;
  private runs = 0;

  constructor(
    private readonly bench: BenchEnv,
    private readonly mode: FloorMode,
    private readonly concurrency: number,
  ) {
    this.name = `floor-${mode}-${concurrency}`;
  }

  async start(): Promise<void> {
    const { config } = this.bench;
    if (this.mode !== "queue") {
      const c = new pg.Client({ connectionString: config.DATABASE_URL });
      await c.connect();
      await c.query("CREATE TABLE IF NOT EXISTS floor_delivery (id int PRIMARY KEY, delivered_at timestamptz)");
      await c.end();
    }
    // The same loader as this benchmark (tsx), so the worker runs the TypeScript file as it is.
    this.child = spawn(process.execPath, [...process.execArgv, resolve(import.meta.dirname, "floor-worker.ts")], {
      env: {
        ...process.env,
        FLOOR_MODE: this.mode,
        FLOOR_QUEUE: this.name,
        FLOOR_PREFIX: this.bench.name,
        FLOOR_CONCURRENCY: String(this.concurrency),
        FLOOR_PER_HOST: String(config.DESTINATION_CONCURRENCY),
        REDIS_URL: config.REDIS_URL,
        DATABASE_URL: config.DATABASE_URL,
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    await this.message("ready");
    this.redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
    this.queue = new Queue<FloorJob>(this.name, {
      connection: this.redis,
      prefix: this.bench.name,
    });
  }

  /**
   * Sends what the receivers last answered again as jobs: deliveries/s and the last answer's time (ms), both from
   * queueing, and the floor worker's CPU per delivery over that span.
   */
  async run(hosts: LoopbackHosts): Promise<FloorRun> {
    const sent = hosts.answered.map((a) => ({ ...a }));
    const run = ++this.runs;
    this.child!.send({ bodies: sent.map((a) => a.body) });
    await this.message("bodies");
    if (this.mode !== "queue") {
      const c = new pg.Client({ connectionString: this.bench.config.DATABASE_URL });
      await c.connect();
      await c.query("TRUNCATE floor_delivery");
      await c.query("INSERT INTO floor_delivery (id) SELECT generate_series(0, $1::int - 1)", [sent.length]);
      await c.end();
    }
    hosts.reset();
    const cpu0 = this.cpuMs();
    const t0 = performance.now();
    await this.queue!.addBulk(
      sent.map((a, i) => {
        const provider = Number(a.path.slice(2));
        return {
          name: "send",
          data: { url: hosts.urlFor(provider), secret: hosts.secretFor(provider), webhookId: a.id, body: i, row: i },
          // As the service queues its sends: an id of its own, kept once completed.
          opts: { jobId: `${run}-${i}`, removeOnComplete: { age: 7 * 86_400, count: 100_000 } },
        };
      }),
    );
    await until(() => hosts.uniqueCount() >= sent.length, `${this.name}: all answered`, 120_000);
    const lastMs = Math.max(...hosts.answered.map((a) => a.at)) - t0;
    return {
      perSecond: sent.length / (lastMs / 1000),
      lastMs,
      cpuPerDeliveryMs: (this.cpuMs() - cpu0) / sent.length,
    };
  }

  /** The floor worker process's CPU time (user + system) so far, in ms. */
  cpuMs(): number {
    return cpuMs(this.child!.pid!);
  }

  async stop(): Promise<void> {
    await this.queue?.close();
    // BullMQ leaves a connection it was given open.
    await this.redis?.quit();
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((r) => this.child!.once("exit", r));
      this.child.kill("SIGTERM");
      await exited;
    }
  }

  private message(what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: unknown) => {
        if (m !== what) return;
        this.child!.off("exit", onExit);
        this.child!.off("message", onMessage);
        resolve();
      };
      const onExit = (code: number | null) => reject(new Error(`${this.name} exited (${code}) before "${what}"`));
      this.child!.on("message", onMessage);
      this.child!.once("exit", onExit);
    });
  }
}
