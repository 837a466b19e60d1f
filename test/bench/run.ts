// npm run bench: every row of the performance table (fanout.ts, chat.ts, digest.ts, each in its own process
// with its own database and service processes), one JSON line per row as they come, then the rows as a Markdown
// table ready for the README; then the scaling curves (scale.ts) unless BENCH_QUICK=1.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Row } from "./lib/harness.js";

const here = import.meta.dirname;
const file = join(tmpdir(), `rb-bench-${process.pid}.jsonl`);
rmSync(file, { force: true });

const run = (script: string, env: Record<string, string> = {}) =>
  new Promise<number | null>((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", resolve(here, script)], {
      env: { ...process.env, BENCH_OUT: file, ...env },
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("exit", (code) => done(code));
  });

const t0 = performance.now();
const failed: string[] = [];
for (const script of ["fanout.ts", "chat.ts", "digest.ts"]) {
  const code = await run(script);
  if (code !== 0) failed.push(`${script} (exit ${code})`);
}
const rows: Row[] = existsSync(file)
  ? readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row)
  : [];
rmSync(file, { force: true });

const n = (x: number | null) => (x === null ? "" : x.toLocaleString("en-GB", { maximumFractionDigits: 2 }));
const ref = (r: Row) =>
  r.reference === null ? "" : r.referenceLabel ? `${n(r.reference)} (${r.referenceLabel})` : n(r.reference);
const table = [
  "| metric | figure | reference, same run | ratio | goal | met |",
  "|---|---:|---|---:|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.row} | ${n(r.figure)} ${r.unit} | ${ref(r)} | ${n(r.ratio)} | ${r.goal} | ${r.met ? "yes" : "**no**"} |`,
  ),
];
const minutes = (performance.now() - t0) / 60_000;
process.stdout.write(`\n${table.join("\n")}\n\nRows took ${minutes.toFixed(1)} min.\n`);

if (process.env.BENCH_QUICK !== "1") {
  const code = await run("scale.ts");
  if (code !== 0) failed.push(`scale.ts (exit ${code})`);
  process.stdout.write(`\nWhole run took ${((performance.now() - t0) / 60_000).toFixed(1)} min.\n`);
}
if (failed.length) {
  process.stderr.write(`failed: ${failed.join(", ")}\n`);
  process.exitCode = 1;
}
