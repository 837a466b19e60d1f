// Vacancies a provider declares: by lot, placement type, age range and area, with how many places are free
// (0 = full). A declaration replaces the provider's whole list and stamps it confirmed now; the same schema
// validates the JSON API, the vacancy page reached from provider emails and the provider CSV import.
import { z } from "zod";
import type { Db, Tx } from "../db.js";
import { PLACEMENT_TYPES } from "../domain/vocabulary.js";
import { NotFoundError, ValidationError } from "../errors.js";
import { writeAudit } from "../referrals/audit.js";

export const MAX_VACANCY_ROWS = 50;
const AGE_LIMIT = 25;

const age = z.coerce.number({ error: "must be a whole number" }).int("must be a whole number").min(0).max(AGE_LIMIT);

export const vacancyInputSchema = z
  .object({
    lot: z.coerce.number({ error: "must be a lot number" }).int().min(1).max(2_147_483_647),
    placementType: z.enum(PLACEMENT_TYPES).nullish().default(null),
    ageMin: age.default(0),
    ageMax: age.default(AGE_LIMIT),
    // Postcode districts or areas ("PE1", "PE"), as provider areas are written; empty: anywhere they serve.
    areas: z
      .array(
        z
          .string()
          .trim()
          .toUpperCase()
          .regex(/^[A-Z]{1,2}(\d[A-Z\d]?)?$/, "must be a postcode area or district such as PE or PE1"),
      )
      .max(50)
      .default([]),
    count: z.coerce.number({ error: "must be a whole number" }).int().min(0).max(99),
  })
  .strict()
  .refine((v) => v.ageMin <= v.ageMax, { path: ["ageMin"], error: "must not be greater than ageMax" });
export type VacancyInput = z.output<typeof vacancyInputSchema>;

export const vacancyDeclarationSchema = z
  .object({ vacancies: z.array(vacancyInputSchema).max(MAX_VACANCY_ROWS) })
  .strict();

/** Issues as "vacancies.0.count: ..." lines for an API error or the page. */
export const vacancyIssues = (e: z.ZodError) =>
  e.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message));

/** The provider's current declarations, as the API returns them. */
export async function vacanciesOf(db: Db | Tx, providerId: string) {
  const rows = await db.vacancy.findMany({
    where: { providerId },
    include: { lot: { select: { number: true } } },
    orderBy: [{ lot: { number: "asc" } }, { ageMin: "asc" }],
  });
  return rows.map((v) => ({
    lot: v.lot.number,
    placementType: v.placementType,
    ageMin: v.ageMin,
    ageMax: v.ageMax,
    areas: v.areas,
    count: v.count,
    lastConfirmedAt: v.lastConfirmedAt.toISOString(),
  }));
}

/**
 * Replaces the provider's declarations, in the caller's transaction, audited. Only lots the provider is on can
 * be declared (a vacancy elsewhere could never be matched). `confirmedAt` is now, or the CSV's stated date.
 */
export async function replaceVacanciesIn(
  tx: Tx,
  providerId: string,
  vacancies: VacancyInput[],
  opts: { actor: string; via: "api" | "page" | "csv"; confirmedAt: Date; audit?: boolean },
): Promise<void> {
  const provider = await tx.provider.findUnique({
    where: { id: providerId },
    include: { lots: { include: { lot: true } } },
  });
  if (!provider) throw new NotFoundError("provider");
  const lots = new Map(provider.lots.map((l) => [l.lot.number, l.lotId]));
  const off = [...new Set(vacancies.map((v) => v.lot).filter((n) => !lots.has(n)))];
  if (off.length) throw new ValidationError(`vacancies: not on lot ${off.join(", ")}`);
  await tx.vacancy.deleteMany({ where: { providerId } });
  await tx.vacancy.createMany({
    data: vacancies.map((v) => ({
      providerId,
      lotId: lots.get(v.lot)!,
      placementType: v.placementType,
      ageMin: v.ageMin,
      ageMax: v.ageMax,
      areas: [...new Set(v.areas)],
      count: v.count,
      lastConfirmedAt: opts.confirmedAt,
    })),
  });
  // The CSV import audits once for the whole file (providers.imported counts the vacancy rows).
  if (opts.audit === false) return;
  await writeAudit(tx, {
    actor: opts.actor,
    action: "provider.vacancies_declared",
    detail: {
      providerId,
      via: opts.via,
      rows: vacancies.length,
      places: vacancies.reduce((n, v) => n + v.count, 0),
    },
  });
}

export async function declareVacancies(
  db: Db,
  providerId: string,
  body: unknown,
  opts: { actor: string; via: "api" | "page"; now: Date },
) {
  const parsed = vacancyDeclarationSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(vacancyIssues(parsed.error).join("; "));
  return db.$transaction(async (tx) => {
    await replaceVacanciesIn(tx, providerId, parsed.data.vacancies, { ...opts, confirmedAt: opts.now });
    return vacanciesOf(tx, providerId);
  });
}

/**
 * The CSV's vacancies cell: items separated by ";", each "<lot>:<count>[:<ageMin>-<ageMax>][:<area>|<area>]"
 * with an optional "/<type>" after the lot, e.g. "1:2:5-17:PE|CB; 2/residential:0".
 */
export function parseVacancyCell(cell: string): { ok: true; vacancies: VacancyInput[] } | { ok: false; error: string } {
  const out: VacancyInput[] = [];
  for (const item of cell
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [lotPart = "", count = "", ...rest] = item.split(":").map((s) => s.trim());
    const [lot, placementType] = lotPart.split("/");
    const ages = rest.find((r) => /^\d{1,2}-\d{1,2}$/.test(r));
    const areas = rest.filter((r) => r !== ages).flatMap((r) => r.split("|").filter(Boolean));
    const [ageMin, ageMax] = ages ? ages.split("-") : [undefined, undefined];
    const parsed = vacancyInputSchema.safeParse({
      lot,
      count,
      ...(placementType ? { placementType: placementType.toLowerCase() } : {}),
      ...(ageMin !== undefined ? { ageMin, ageMax } : {}),
      areas,
    });
    if (!parsed.success) {
      return {
        ok: false,
        error: `"${item}": ${vacancyIssues(parsed.error).join(", ")} (write lot:count[:age-age][:AREA|AREA])`,
      };
    }
    out.push(parsed.data);
  }
  return { ok: true, vacancies: out };
}
