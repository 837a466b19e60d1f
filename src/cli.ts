// The CLI entry (`npx referral-bot ...`): the second composition root beside src/main.ts.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { APIKEYS_USAGE, apikeysCommand } from "./cli/apikeys.js";
import { auditCommand } from "./cli/audit.js";
import { err, out, withDb } from "./cli/common.js";
import { eraseCommand } from "./cli/erase.js";
import { exportCommand } from "./cli/export.js";
import { PLACEMENTS_CSV_USAGE, placementsCsvCommand } from "./cli/placements-csv.js";
import { retentionCommand } from "./cli/retention.js";
import { runWithdraw, WITHDRAW_USAGE } from "./cli-withdraw.js";
import { type Config, loadConfig } from "./config.js";
import { describeDatabase } from "./db.js";
import { buildDigest } from "./digest/build.js";
import { digestText } from "./digest/plain-text.js";
import { postDailyDigests } from "./digest/post.js";
import { STANDARD_LOTS } from "./domain/vocabulary.js";
import { ConfigError, ValidationError } from "./errors.js";
import { KEYS_USAGE, runKeys } from "./keys/keys-cli.js";
import { createLogger } from "./logger.js";
import { chatsFromConfig, type Role, startService } from "./main.js";
import { gateText } from "./matching/gate.js";
import { migrateDatabase } from "./migrate.js";
import { systemClock } from "./ports.js";
import { ensureLots, explainEligibility, listProviders, suspendProvider } from "./providers/directory.js";
import { importProviders } from "./providers/import.js";
import { importOfstedGrades } from "./providers/ofsted-import.js";
import { pdsExportCsv } from "./reporting/pds-export.js";
import { parseReportQuery } from "./reporting/period.js";
import { placementReport } from "./reporting/placement-report.js";
import { placementReportCsv } from "./reporting/report-csv.js";

const USAGE = `Usage: referral-bot <command>
  serve [--role web|worker|all]            run the service (default role: all)
  demo                                     the whole product locally, Teams chat page included (no accounts)
  migrate                                  apply pending database migrations
  seed [--file <providers.csv>]            create lots 1-5 and load the sample providers
  providers import <file.csv>              validate and import providers (upsert by Ofsted URN or email)
  providers list [--lot N]                 list providers (tier, Ofsted grade)
  providers list --reference R-...         the eligibility explanation for a referral: every provider on its
                                           lot, sent or not and why (full, Ofsted, tier, area, ...)
  providers ofsted-import <file.csv>       set Ofsted grades and inspection dates by URN from Ofsted's
                                           published providers CSV (a downloaded file; no network)
  providers suspend <id> --reason "..."    suspend a provider
  report --from YYYY-MM-DD --to YYYY-MM-DD [--format json|csv|pds]
                                           placement report for referrals raised in those days
                                           (pds: one row each, the Placements Data Standard's columns)
                                           (Europe/London, inclusive) to stdout; default json
  digest --now [--dry-run]                 post today's digest to the configured channels now (once per day
                                           and channel, as the schedule does); --dry-run prints it, posts nothing
${KEYS_USAGE}
${APIKEYS_USAGE}
${WITHDRAW_USAGE}
  retention [--dry-run]                    erase now the personal data of referrals closed more than
                                           RETENTION_DAYS_AFTER_CLOSE days ago; --dry-run lists them
  export --reference R-...                 everything held about one referral as JSON (subject access;
                                           restricted details decrypted; audited)
  erase --reference R-... --reason "..." [--force]
                                           erase one referral's personal data now (a live one needs --force)
  audit --from YYYY-MM-DD --to YYYY-MM-DD [--format json|csv]
                                           the audit trail for those days (Europe/London, inclusive)
${PLACEMENTS_CSV_USAGE}
retention, export, erase, audit and placements-csv say on stderr which database (DATABASE_URL) they work on.
  help, --help, -h                         this list`;

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
      allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK,
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
      { db, clock: systemClock, logger, config, chats: await chatsFromConfig(config, db, logger) },
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

// Commands that hold no secret and exist for a developer's machine or a release step: with NODE_ENV unset they
// run as development, so `npm run demo` and `npm run seed` need no settings. Everything else (serve above all)
// follows NODE_ENV, whose default is production.
const NO_SECRET_COMMANDS = new Set(["demo", "seed", "migrate"]);

function envFor(command: string): NodeJS.ProcessEnv {
  if (process.env.NODE_ENV || !NO_SECRET_COMMANDS.has(command)) return process.env;
  return { ...process.env, NODE_ENV: "development" };
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
      reference: { type: "string" },
      text: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      format: { type: "string" },
      now: { type: "boolean" },
      "dry-run": { type: "boolean" },
      check: { type: "boolean" },
      batch: { type: "string" },
      id: { type: "string" },
      name: { type: "string" },
      scopes: { type: "string" },
      days: { type: "string" },
      force: { type: "boolean" },
      date: { type: "string" },
      out: { type: "string" },
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
  const config = loadConfig(envFor(command));

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
      if (values.reference) {
        const ref = values.reference;
        const e = await withDb(config, (db) => explainEligibility(db, ref, config, systemClock.now()));
        out(`${e.reference}: round open to ${gateText(e.gate)}`);
        for (const r of e.rows) {
          const why = r.reasons.length ? `  ${r.reasons.join("; ")}` : "";
          out(`${r.outcome.padEnd(8)}  tier ${r.tier}  ${r.name}${why}`);
        }
        if (e.summary) out(e.summary);
        return 0;
      }
      const providers = await withDb(config, (db) =>
        listProviders(db, values.lot ? { lotNumber: Number(values.lot) } : {}),
      );
      for (const p of providers) {
        const lots = p.lots.map((l) => l.lot.number).join(",");
        const ofsted = `${p.ofstedUrn ?? "-"} ${p.ofstedGrade ?? ""}`.trim();
        out(`${p.id}  ${p.status.padEnd(9)}  lots ${lots.padEnd(7)}  tier ${p.tier}  ${ofsted}  ${p.name}`);
      }
      out(`${providers.length} providers`);
      return 0;
    }
    case "providers ofsted-import": {
      if (!arg) throw new ConfigError(["providers ofsted-import: give the path of Ofsted's providers CSV file"]);
      const path = resolve(arg);
      if (!existsSync(path)) throw new ValidationError(`No such file: ${path} (give Ofsted's providers CSV file)`);
      await migrateDatabase(config.DATABASE_URL, createLogger({ level: "warn" }));
      const r = await withDb(config, (db) => importOfstedGrades(db, path, "cli"));
      out(
        `Read ${r.rows} rows: ${r.updated} providers updated, ${r.unknown} URNs not in the directory, ${r.ungraded} without a judgement.`,
      );
      for (const p of r.problems) out(`  ${p}`);
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
      const text = await withDb(config, async (db) => {
        if (query.format === "pds") return pdsExportCsv({ db }, query);
        const report = await placementReport({ db, clock: systemClock }, query);
        return query.format === "csv" ? placementReportCsv(report) : `${JSON.stringify(report, null, 2)}\n`;
      });
      // Wait until it is flushed: process.exit would otherwise cut a long report short on a pipe.
      await new Promise<void>((done, fail) => process.stdout.write(text, (e) => (e ? fail(e) : done())));
      return 0;
    }
    case "digest":
      if (!values.now)
        throw new ConfigError(["digest: give --now (the scheduled digest runs in the workers at DIGEST_CRON)"]);
      return runDigest(config, Boolean(values["dry-run"]));
    case "keys status":
    case "keys rotate":
    case "keys generate":
      return runKeys(config, sub, values, out);
    case "apikeys create":
    case "apikeys list":
    case "apikeys revoke":
      return apikeysCommand(config, sub, values);
    case "withdraw":
      return runWithdraw(config, values, out);
    case "retention":
      return retentionCommand(config, { dryRun: Boolean(values["dry-run"]) });
    case "export":
      return exportCommand(config, { reference: values.reference });
    case "erase":
      return eraseCommand(config, { reference: values.reference, reason: values.reason, force: values.force });
    case "audit":
      return auditCommand(config, { from: values.from, to: values.to, format: values.format });
    case "placements-csv":
      return placementsCsvCommand(config, { date: values.date, out: values.out });
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
