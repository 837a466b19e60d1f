// Ofsted grades from Ofsted's own published file: the provider-level CSV of "Children's social care data" /
// its management information (downloaded by the council; nothing is fetched at run time). Each row's overall
// judgement and inspection date are set on the provider with that URN; rows for providers not in the directory
// are counted and skipped. Column names have changed between releases, so each field has several accepted
// headers (case, spacing and punctuation ignored), and title lines above the header row are skipped.
import { createReadStream } from "node:fs";
import { parse } from "csv-parse";
import type { Db } from "../db.js";
import { ValidationError } from "../errors.js";
import { writeAudit } from "../referrals/audit.js";
import type { OFSTED_GRADES } from "./csv-row.js";

const key = (h: string) =>
  h
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();

/** Accepted headers per field, most specific first (compared after `key`). */
export const OFSTED_COLUMNS = {
  urn: ["urn", "provider urn", "unique reference number", "ofsted urn"],
  grade: [
    "overall experiences and progress of children and young people",
    "latest full inspection overall experiences and progress of children and young people",
    "overall experiences and progress of children and young people judgement",
    "overall effectiveness",
    "overall judgement",
    "overall grade",
  ],
  date: [
    "inspection date",
    "latest full inspection date",
    "date of inspection",
    "inspection start date",
    "latest inspection date",
    "publication date",
  ],
} as const;

type Field = keyof typeof OFSTED_COLUMNS;

/** Which column holds each field, or the fields missing. */
export function mapOfstedHeader(header: string[]): { columns: Record<Field, number> } | { missing: Field[] } {
  const keys = header.map(key);
  const found: Partial<Record<Field, number>> = {};
  for (const field of Object.keys(OFSTED_COLUMNS) as Field[]) {
    for (const name of OFSTED_COLUMNS[field]) {
      const i = keys.indexOf(name);
      if (i >= 0) {
        found[field] = i;
        break;
      }
    }
    // A release that adds words ("Overall experiences and progress of children and young people (latest)").
    if (found[field] === undefined && field !== "urn") {
      const i = keys.findIndex((k) => OFSTED_COLUMNS[field].some((n) => k.startsWith(n)));
      if (i >= 0) found[field] = i;
    }
  }
  const missing = (Object.keys(OFSTED_COLUMNS) as Field[]).filter((f) => found[f] === undefined);
  return missing.length ? { missing } : { columns: found as Record<Field, number> };
}

// Ofsted's numeric judgements: 1 outstanding ... 4 inadequate; "Requires improvement to be good", "Adequate"
// and "Satisfactory" (older frameworks) all sit at 3.
const NUMERIC: Record<string, (typeof OFSTED_GRADES)[number]> = {
  "1": "Outstanding",
  "2": "Good",
  "3": "Requires improvement",
  "4": "Inadequate",
};

/** A judgement cell as one of OFSTED_GRADES, or undefined when not judged / blank / unknown. */
export function ofstedGradeOf(cell: string): (typeof OFSTED_GRADES)[number] | undefined {
  const v = key(cell);
  if (!v) return undefined;
  if (NUMERIC[v]) return NUMERIC[v];
  if (v.startsWith("outstanding")) return "Outstanding";
  if (v.startsWith("good")) return "Good";
  if (v.startsWith("requires improvement") || v === "adequate" || v === "satisfactory") return "Requires improvement";
  if (v.startsWith("inadequate")) return "Inadequate";
  return undefined;
}

/** "23/04/2025", "2025-04-23", "23-04-2025" as a UTC date; undefined when blank or not a real date. */
export function ofstedDateOf(cell: string): Date | undefined {
  const v = cell.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(v);
  const uk = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(v);
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : uk ? [uk[3], uk[2], uk[1]] : [undefined, undefined, undefined];
  if (!y || !m || !d) return undefined;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCDate() === Number(d) && date.getUTCMonth() === Number(m) - 1 ? date : undefined;
}

export interface OfstedImportReport {
  rows: number;
  updated: number;
  /** Rows whose URN is not in the directory. */
  unknown: number;
  /** Rows with no usable judgement (not judged, blank). */
  ungraded: number;
  problems: string[];
}

export async function importOfstedGrades(db: Db, path: string, actor: string): Promise<OfstedImportReport> {
  const parser = createReadStream(path).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }));
  let columns: Record<Field, number> | undefined;
  let lastMissing: Field[] = [];
  const grades = new Map<string, { grade: string; inspectedAt: Date | null; line: number }>();
  const report: OfstedImportReport = { rows: 0, updated: 0, unknown: 0, ungraded: 0, problems: [] };
  let line = 0;
  for await (const record of parser as AsyncIterable<string[]>) {
    line++;
    if (!columns) {
      const mapped = mapOfstedHeader(record);
      if ("columns" in mapped) columns = mapped.columns;
      else if (line <= 20) lastMissing = mapped.missing;
      if (!columns && line >= 20) break;
      continue;
    }
    report.rows++;
    const urn = (record[columns.urn] ?? "").trim().toUpperCase();
    if (!/^(SC|EY)?\d{6,7}$/.test(urn)) {
      report.problems.push(`line ${line}: "${urn}" is not a URN`);
      continue;
    }
    const grade = ofstedGradeOf(record[columns.grade] ?? "");
    if (!grade) {
      report.ungraded++;
      continue;
    }
    const dateCell = record[columns.date] ?? "";
    const inspectedAt = ofstedDateOf(dateCell) ?? null;
    if (dateCell.trim() && !inspectedAt) report.problems.push(`line ${line}: "${dateCell}" is not a date`);
    // A provider listed twice (several inspections): the latest inspection wins.
    const prev = grades.get(urn);
    if (!prev || (inspectedAt && (!prev.inspectedAt || inspectedAt > prev.inspectedAt))) {
      grades.set(urn, { grade, inspectedAt, line });
    }
  }
  if (!columns) {
    throw new ValidationError(
      `Not an Ofsted providers CSV: no header row with ${lastMissing.map((f) => OFSTED_COLUMNS[f][0]).join(", ")} columns`,
    );
  }
  await db.$transaction(
    async (tx) => {
      const known = await tx.provider.findMany({
        where: { ofstedUrn: { in: [...grades.keys()] } },
        select: { id: true, ofstedUrn: true },
      });
      const byUrn = new Map(known.map((p) => [p.ofstedUrn!, p.id]));
      for (const [urn, g] of grades) {
        const id = byUrn.get(urn);
        if (!id) {
          report.unknown++;
          continue;
        }
        await tx.provider.update({ where: { id }, data: { ofstedGrade: g.grade, ofstedInspectedAt: g.inspectedAt } });
        report.updated++;
      }
      await writeAudit(tx, {
        actor,
        action: "providers.ofsted_imported",
        detail: { rows: report.rows, updated: report.updated, unknown: report.unknown },
      });
    },
    { timeout: 10 * 60_000 },
  );
  return report;
}
