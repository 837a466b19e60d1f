// npm run bench:scale: cost as work grows, through the service's real processes. Fan-out to 100, 500, 2,000 and
// 10,000 webhook providers answering at once (BENCH_SCALE_SIZES), spread over up to 500 loopback hosts: time to
// the last recorded delivery, worker CPU per delivery, the worker's peak RSS; the 2,000 fan-out again with two
// worker processes (the scale-out factor); and the digest over 1,000, 10,000 and 100,000 unplaced referrals
// (BENCH_SCALE_DIGEST). Prints JSON lines and Markdown tables, with what one worker handles per hour.
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureLots } from "../../src/providers/directory.js";
import { fanoutOnce, settle } from "./lib/fanout.js";
import { benchEnv, PeakRss, type Row, round, sleep, startRole } from "./lib/harness.js";
import { benchProviders, LoopbackHosts } from "./lib/hosts.js";

const list = (v: string | undefined, d: number[]) => (v ? v.split(",").map(Number) : d);
const SIZES = list(process.env.BENCH_SCALE_SIZES, [100, 500, 2000, 10_000]);
const DIGESTS = list(process.env.BENCH_SCALE_DIGEST, [1000, 10_000, 100_000]);
const SCALE_OUT = Number(process.env.BENCH_SCALE_OUT ?? 2000);
const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

const bench = await benchEnv();
const hosts = new LoopbackHosts(Math.min(500, Math.max(...SIZES, SCALE_OUT)));
await hosts.start();
await ensureLots(bench.db);
// One lot per size (five lots: the scale-out run reuses its size's lot, or lot 5).
const lotOf = new Map<number, number>();
for (const [i, n] of [...new Set([...SIZES, SCALE_OUT])].entries()) {
  if (i >= 5) throw new Error("at most five distinct fan-out sizes (one lot each)");
  lotOf.set(n, i + 1);
  await benchProviders(bench.db, hosts, i + 1, n, `Scale${n}`);
}
const web = await startRole(bench, "web");
const worker = await startRole(bench, "worker");
await sleep(3000);

interface Curve {
  providers: number;
  workers: number;
  seconds: number;
  perSecond: number;
  cpuMs: number;
  peakMb: number;
}
const curves: Curve[] = [];
const fanout = async (n: number, workers: (typeof worker)[]) => {
  const peak = new PeakRss(workers.map((w) => w.pid)).start();
  const s = await fanoutOnce(bench, hosts, workers, lotOf.get(n)!, n, 1_800_000);
  peak.stop();
  const c: Curve = {
    providers: n,
    workers: workers.length,
    seconds: round(s.recordedMs / 1000, 2),
    perSecond: round(n / (s.recordedMs / 1000)),
    cpuMs: round(s.cpuPerDeliveryMs, 2),
    peakMb: Math.max(...peak.peak.values()),
  };
  out({ scale: "fanout", ...c, duplicates: s.duplicates, badSignatures: s.badSignatures });
  curves.push(c);
  await settle(3000);
  return c;
};
for (const n of SIZES) await fanout(n, [worker]);
const one = curves.find((c) => c.providers === SCALE_OUT && c.workers === 1) ?? (await fanout(SCALE_OUT, [worker]));
const second = await startRole(bench, "worker");
await sleep(3000);
const two = await fanout(SCALE_OUT, [worker, second]);
await second.stop();
await worker.stop();
await web.stop();
await hosts.stop();
await bench.cleanup();

// The digest, each size in its own process and database (digest.ts).
const digests: Row[] = [];
for (const n of DIGESTS) {
  const file = join(tmpdir(), `rb-bench-digest-${process.pid}-${n}.jsonl`);
  rmSync(file, { force: true });
  await new Promise<void>((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", resolve(import.meta.dirname, "digest.ts")], {
      env: { ...process.env, BENCH_REFERRALS: String(n), BENCH_OUT: file },
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("exit", (code) => (code === 0 ? done() : fail(new Error(`digest bench over ${n}: exit ${code}`))));
  });
  const row = JSON.parse(readFileSync(file, "utf8").trim().split("\n").at(-1)!) as Row;
  rmSync(file, { force: true });
  out({ scale: "digest", unplaced: n, ms: row.figure, seedMs: row.detail?.seedMs });
  digests.push({ ...row, detail: { ...row.detail, unplaced: n } });
}

const largest = curves.filter((c) => c.workers === 1).reduce((a, b) => (b.providers > a.providers ? b : a));
const lines = [
  "| providers | worker processes | last delivery recorded | deliveries/s | worker CPU per delivery | peak worker RSS |",
  "|---:|---:|---:|---:|---:|---:|",
  ...curves.map(
    (c) =>
      `| ${c.providers.toLocaleString("en-GB")} | ${c.workers} | ${c.seconds} s | ${c.perSecond} | ${c.cpuMs} ms | ${c.peakMb} MB |`,
  ),
  "",
  `Scale-out factor (${SCALE_OUT.toLocaleString("en-GB")} providers, two worker processes vs one): ` +
    `${round(one.seconds / two.seconds, 2)}x.`,
  `One worker process handles about ${Math.round(largest.perSecond * 3600).toLocaleString("en-GB")} deliveries ` +
    `an hour to receivers that answer at once (measured at ${largest.providers.toLocaleString("en-GB")}); its CPU ` +
    `alone would allow ${Math.round(3_600_000 / largest.cpuMs).toLocaleString("en-GB")} an hour on one core.`,
  "",
  "| unplaced referrals | digest build (median) | seeding |",
  "|---:|---:|---:|",
  ...digests.map(
    (d) => `| ${Number(d.detail?.unplaced).toLocaleString("en-GB")} | ${d.figure} ms | ${d.detail?.seedMs} ms |`,
  ),
];
process.stdout.write(`\n${lines.join("\n")}\n`);
