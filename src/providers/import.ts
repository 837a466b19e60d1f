// Provider directory import: every row validated, valid rows written in one transaction (all or nothing),
// upserted by Ofsted URN or email (webhook URL when it has neither), rejected rows reported with their line numbers and reasons.
import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import type { Db } from "../db.js";
import type { AddressPolicy } from "../delivery/address-guard.js";
import { writeAudit } from "../referrals/audit.js";
import { type ProviderCsvRow, parseProviderRow } from "./csv-row.js";
import { replaceVacanciesIn } from "./vacancies.js";

export interface RejectedRow {
  line: number;
  errors: string[];
}

export interface ImportReport {
  read: number;
  created: number;
  updated: number;
  rejected: RejectedRow[];
}

interface ValidRow {
  line: number;
  row: ProviderCsvRow;
}

/**
 * How a row finds the provider it updates: Ofsted URN, else email; a webhook-only provider without a URN
 * (tuition, alternative provision) is known by its webhook URL so re-importing does not duplicate it.
 */
function identityKeys(row: ProviderCsvRow) {
  return [
    ...(row.ofstedUrn ? [{ ofstedUrn: row.ofstedUrn }] : []),
    ...(row.email ? [{ email: row.email }] : []),
    ...(!row.ofstedUrn && !row.email && row.webhookUrl ? [{ webhookUrl: row.webhookUrl }] : []),
  ];
}

/** Rewrites a raw CSV record (lower-cased column names) before it is validated, e.g. the demo's local webhooks. */
export type RecordTransform = (record: Record<string, string>) => Record<string, string>;

export async function readProviderCsv(
  path: string,
  onProgress?: (rowsRead: number) => void,
  policy: AddressPolicy = { allowLoopback: false },
  transform?: RecordTransform,
): Promise<{ valid: ValidRow[]; rejected: RejectedRow[]; read: number }> {
  const valid: ValidRow[] = [];
  const rejected: RejectedRow[] = [];
  const seen = new Map<string, number>();
  let read = 0;
  const parser = createReadStream(path).pipe(
    parse({
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    read++;
    if (onProgress && read % 500 === 0) onProgress(read);
    const line = info.lines;
    const parsed = parseProviderRow(transform ? transform(record) : record, policy);
    if (!parsed.ok) {
      rejected.push({ line, errors: parsed.errors });
      continue;
    }
    // The same provider twice in one file is almost always a copy-paste slip: keep the first, report the rest.
    const keys = [
      parsed.row.ofstedUrn && `urn:${parsed.row.ofstedUrn}`,
      parsed.row.email && `email:${parsed.row.email}`,
    ];
    const dup = keys.map((k) => (k ? seen.get(k) : undefined)).find((l) => l !== undefined);
    if (dup !== undefined) {
      rejected.push({ line, errors: [`duplicate of the provider on line ${dup}`] });
      continue;
    }
    for (const k of keys) if (k) seen.set(k, line);
    valid.push({ line, row: parsed.row });
  }
  return { valid, rejected, read };
}

export async function importProviders(
  db: Db,
  path: string,
  opts: {
    actor: string;
    onProgress?: (done: number, phase: "read" | "write") => void;
    /** WEBHOOK_ALLOW_LOOPBACK: accept loopback webhook URLs (development and tests only). */
    allowLoopback?: boolean;
    transform?: RecordTransform;
    /** When declared vacancies without a vacancies_confirmed date count as confirmed (default: now). */
    now?: Date;
  },
): Promise<ImportReport> {
  const policy = { allowLoopback: opts.allowLoopback ?? false };
  const { valid, rejected, read } = await readProviderCsv(
    path,
    (n) => opts.onProgress?.(n, "read"),
    policy,
    opts.transform,
  );
  const lots = new Map((await db.lot.findMany()).map((l) => [l.number, l.id]));
  const writable: ValidRow[] = [];
  for (const v of valid) {
    const missing = v.row.lotNumbers.filter((n) => !lots.has(n));
    if (missing.length)
      rejected.push({ line: v.line, errors: [`lots: no lot ${missing.join(", ")} in the directory`] });
    else writable.push(v);
  }
  rejected.sort((a, b) => a.line - b.line);

  let created = 0;
  let updated = 0;
  const now = opts.now ?? new Date();
  let vacancyRows = 0;
  await db.$transaction(
    async (tx) => {
      for (const [i, { row }] of writable.entries()) {
        const existing = await tx.provider.findFirst({ where: { OR: identityKeys(row) }, select: { id: true } });
        const data = {
          name: row.name,
          ofstedUrn: row.ofstedUrn ?? null,
          ofstedGrade: row.ofstedGrade ?? null,
          email: row.email ?? null,
          webhookUrl: row.webhookUrl ?? null,
          webhookSecret: row.webhookSecret ?? null,
          genders: row.genders,
          ageMin: row.ageMin,
          ageMax: row.ageMax,
          needsCovered: row.needsCovered,
          areas: row.areas,
          status: row.status,
          statusReason: row.statusReason ?? null,
          tier: row.tier,
          // Blank: left as it is (set by `providers ofsted-import`, or an older file without the column).
          ...(row.ofstedInspectedAt ? { ofstedInspectedAt: row.ofstedInspectedAt } : {}),
        };
        const provider = existing
          ? await tx.provider.update({ where: { id: existing.id }, data })
          : await tx.provider.create({ data });
        if (existing) {
          updated++;
          await tx.providerLot.deleteMany({ where: { providerId: provider.id } });
        } else created++;
        await tx.providerLot.createMany({
          data: row.lotNumbers.map((n) => ({ providerId: provider.id, lotId: lots.get(n)! })),
        });
        // A blank vacancies cell leaves the provider's declarations (made on the vacancy page or the API) as they are.
        if (row.vacancies) {
          await replaceVacanciesIn(tx, provider.id, row.vacancies, {
            actor: opts.actor,
            via: "csv",
            confirmedAt: row.vacanciesConfirmedAt ?? now,
            audit: false,
          });
          vacancyRows += row.vacancies.length;
        }
        if ((i + 1) % 500 === 0) opts.onProgress?.(i + 1, "write");
      }
      await writeAudit(tx, {
        actor: opts.actor,
        action: "providers.imported",
        detail: { created, updated, rejected: rejected.length, vacancyRows },
      });
    },
    { timeout: 30 * 60_000, maxWait: 30_000 },
  );
  return { read, created, updated, rejected };
}
