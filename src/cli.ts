// The CLI entry (`npx referral-bot ...`): the second composition root beside src/main.ts.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Config, loadConfig } from "./config.js";
import { createDb, describeDatabase } from "./db.js";
import { buildDigest } from "./digest/build.js";
import { digestText } from "./digest/plain-text.js";
import { postDailyDigests } from "./digest/post.js";
import { ConfigError, ValidationError } from "./errors.js";
import { createLogger } from "./logger.js";
import { chatsFromConfig, type Role, startService } from "./main.js";
import { migrateDatabase } from "./migrate.js";
import { systemClock } from "./ports.js";
import { ensureLots, listProviders, STANDARD_LOTS, suspendProvider } from "./providers/directory.js";
import { importProviders } from "./providers/import.js";
import { parseReportQuery } from "./reporting/period.js";
import { placementReport } from "./reporting/placement-report.js";
import { placementReportCsv } from "./reporting/report-csv.js";

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

const USAGE = `Usage: referral-bot <command>
  serve [--role web|worker|all]            run the service (default role: all)
  demo                                     the whole product locally, Teams chat page included (no accounts)
  migrate                                  apply pending database migrations
  seed [--file <providers.csv>]            create lots 1-5 and load the sample providers
  providers import <file.csv>              validate and import providers (upsert by Ofsted URN or email)
  providers list [--lot N]                 list providers
  providers suspend <id> --reason "..."    suspend a provider
  report --from YYYY-MM-DD --to YYYY-MM-DD [--format json|csv]
                                           placement report for referrals raised in those days
                                           (Europe/London, inclusive) to stdout; default json
  digest --now [--dry-run]                 post today's digest to the configured channels now (once per day
                                           and channel, as the schedule does); --dry-run prints it, posts nothing
  help, --help, -h                         this list`;

async function withDb<T>(config: Config, fn: (db: ReturnType<typeof createDb>) => Promise<T>): Promise<T> {
  const db = createDb(config.DATABASE_URL);
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
  }
}

async function runImport(config: Config, file: string): Promise<number> {
  const path = resolve(file);
  // Checked before anything else, so a mistyped path is one line rather than a stream error's stack trace.
  if (!existsSync(path)) throw new ValidationError(`No such file: ${path} (give the providers CSV file's path)`);
  const logger = createLogger({ level: "warn" });
  await migrateDatabase(config.DATABASE_URL, logger);
  const report = await withDb(config, async (db) => {
    // A fresh database has no lots, and every row names one: create the standard lots (the ones `seed` makes)
    // rather than reject every row. A directory that has lots of its own is left as it is.
    if ((await db.lot.count()) === 0) {
      await ensureLots(db);
      out(`No lots yet: created the standard lots ${STANDARD_LOTS.map((l) => `${l.number} ${l.name}`).join(", ")}.`);
    }
    return importProviders(db, path, {
      actor: "cli",
      onProgress: (n, phase) => err(`  ${phase === "read" ? "checked" : "written"} ${n} rows...`),
    });
  });
  out(
    `Read ${report.read} rows: ${report.created} created, ${report.updated} updated, ${report.rejected.length} rejected.`,
  );
  for (const r of report.rejected) out(`  line ${r.line}: ${r.errors.join("; ")}`);
  return report.rejected.length ? 2 : 0;
}

async function runDigest(config: Config, dryRun: boolean): Promise<number> {
  // Logs go to stderr so that stdout is the digest (or the outcome lines) alone.
  const logger = createLogger({
    level: config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL,
    destination: process.stderr,
  });
  if (config.MIGRATE_ON_START) await migrateDatabase(config.DATABASE_URL, logger);
  err(`Reading the database ${describeDatabase(config.DATABASE_URL)}.`);
  return withDb(config, async (db) => {
    const digest = await buildDigest(db, systemClock.now());
    if (dryRun) {
      out(digestText(digest));
      return 0;
    }
    const outcomes = await postDailyDigests(
      { db, clock: systemClock, logger, config, chats: chatsFromConfig(config, db, logger) },
      { digest },
    );
    if (outcomes.length === 0) {
      err(
        "No digest channel: set DIGEST_SLACK_CHANNEL or DIGEST_TEAMS_CHANNEL (and that platform's settings) to post the digest.",
      );
      return 1;
    }
    for (const o of outcomes)
      out(`${o.platform} ${o.channelId}: ${o.result.replace("_", " ")}${o.error ? ` (${o.error})` : ""}`);
    return outcomes.some((o) => o.result === "failed") ? 1 : 0;
  });
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: "string", default: "all" },
      file: { type: "string" },
      lot: { type: "string" },
      reason: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      format: { type: "string" },
      now: { type: "boolean" },
      "dry-run": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, sub, arg] = positionals;
  if (values.help || command === "help") {
    out(USAGE);
    return 0;
  }
  if (!command) {
    err(USAGE);
    return 1;
  }
  const config = loadConfig();

  switch (`${command} ${sub ?? ""}`.trim()) {
    case "serve": {
      const role = values.role as Role;
      if (!["web", "worker", "all"].includes(role)) throw new ConfigError([`--role: must be web, worker or all`]);
      const logger = createLogger({ level: config.LOG_LEVEL });
      const service = await startService({ config, logger, role });
      await new Promise<void>((done) => {
        const stop = (signal: string) => {
          logger.info({ signal }, "shutting down");
          service.close().then(done, done);
        };
        process.once("SIGTERM", () => stop("SIGTERM"));
        process.once("SIGINT", () => stop("SIGINT"));
      });
      return 0;
    }
    case "demo": {
      const logger = createLogger({ level: config.LOG_LEVEL });
      const { startDemo } = await import("./demo/run-demo.js");
      const demo = await startDemo({
        logger,
        port: config.PORT,
        chatPort: config.DEMO_CHAT_PORT,
        webhookPort: config.DEMO_WEBHOOK_PORT,
        smtpPort: config.DEMO_SMTP_PORT,
        databaseUrl: config.DEMO_DATABASE_URL,
        redisPrefix: `${config.REDIS_PREFIX}-demo`,
        answerDelayMs: config.DEMO_ANSWER_DELAY_MS,
      });
      out(`Demo ready. Open ${demo.chatUrl}/ in a browser (Ctrl+C stops it).`);
      await new Promise<void>((done) => {
        const stop = () => demo.close().then(done, done);
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
      });
      return 0;
    }
    case "migrate":
      await migrateDatabase(config.DATABASE_URL, createLogger({ level: config.LOG_LEVEL }));
      return 0;
    case "seed": {
      await migrateDatabase(config.DATABASE_URL, createLogger({ level: "warn" }));
      await withDb(config, (db) => ensureLots(db));
      out("Lots 1-5 are in place.");
      return runImport(config, values.file ?? resolve(import.meta.dirname, "../test/fixtures/providers.csv"));
    }
    case "providers import":
      if (!arg) throw new ConfigError(["providers import: give the CSV file's path"]);
      return runImport(config, arg);
    case "providers list": {
      const providers = await withDb(config, (db) =>
        listProviders(db, values.lot ? { lotNumber: Number(values.lot) } : {}),
      );
      for (const p of providers) {
        const lots = p.lots.map((l) => l.lot.number).join(",");
        out(`${p.id}  ${p.status.padEnd(9)}  lots ${lots.padEnd(7)}  ${p.ofstedUrn ?? "-"}  ${p.name}`);
      }
      out(`${providers.length} providers`);
      return 0;
    }
    case "providers suspend": {
      if (!arg || !values.reason) throw new ConfigError(["providers suspend: give the provider id and --reason"]);
      const p = await withDb(config, (db) => suspendProvider(db, arg, values.reason!, "cli"));
      out(`Suspended ${p.name}: ${p.statusReason}`);
      return 0;
    }
    case "report": {
      const query = parseReportQuery({ from: values.from, to: values.to, format: values.format });
      // On stderr: stdout is the report alone, to be piped or redirected.
      err(`Reading the database ${describeDatabase(config.DATABASE_URL)}.`);
      const report = await withDb(config, (db) => placementReport({ db, clock: systemClock }, query));
      const text = query.format === "csv" ? placementReportCsv(report) : `${JSON.stringify(report, null, 2)}\n`;
      // Wait until it is flushed: process.exit would otherwise cut a long report short on a pipe.
      await new Promise<void>((done, fail) => process.stdout.write(text, (e) => (e ? fail(e) : done())));
      return 0;
    }
    case "digest":
      if (!values.now)
        throw new ConfigError(["digest: give --now (the scheduled digest runs in the workers at DIGEST_CRON)"]);
      return runDigest(config, Boolean(values["dry-run"]));
    default:
      err(`Unknown command: ${positionals.join(" ")}\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    // Config and usage errors are for people: one clear message, no stack trace.
    err(
      e instanceof ConfigError || (e as { code?: string }).code
        ? (e as Error).message
        : String((e as Error).stack ?? e),
    );
    process.exit(1);
  },
);
