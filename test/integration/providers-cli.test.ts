// `referral-bot providers ...` as a real process against the run's database.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { ensureLots } from "../../src/providers/directory.js";
import { testDb } from "../helpers/env.js";

const exec = promisify(execFile);
const db = testDb();
const HEADER =
  "name,lots,email,webhook_url,webhook_secret,ofsted_urn,ofsted_grade,genders,age_min,age_max,needs,areas,status,status_reason";

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ["src/bin/referral-bot.mjs", ...args], {
      env: { ...process.env, DATABASE_URL: inject("databaseUrl"), REDIS_URL: inject("redisUrl") },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  await ensureLots(db);
});

// Each test starts the command line two or three times, and each start compiles the TypeScript (tsx) first.
describe("providers CLI", { timeout: 120_000 }, () => {
  it("imports the 200-provider sample, then re-imports it as updates (upsert by URN or email)", async () => {
    const first = await cli("providers", "import", "test/fixtures/providers.csv");
    expect(first.stdout).toMatch(/^Read 200 rows: \d+ created, \d+ updated, 0 rejected\.$/m);
    expect(first.code).toBe(0);
    const second = await cli("providers", "import", "test/fixtures/providers.csv");
    expect(second.stdout).toContain("Read 200 rows: 0 created, 200 updated, 0 rejected.");
    const onLot2 = await db.provider.count({ where: { lots: { some: { lot: { number: 2 } } } } });
    expect(onLot2).toBeGreaterThanOrEqual(20);
  });

  it("imports the sample's tiers, Ofsted dates and vacancies, then Ofsted's own CSV by URN", async () => {
    await cli("providers", "import", "test/fixtures/providers.csv");
    expect(await db.provider.count({ where: { tier: 2 } })).toBeGreaterThan(0);
    expect(await db.vacancy.count({ where: { provider: { ofstedUrn: "9023991" } } })).toBe(1);
    const res = await cli("providers", "ofsted-import", "test/fixtures/ofsted-providers.csv");
    expect(res.stdout).toContain(
      "Read 5 rows: 3 providers updated, 1 URNs not in the directory, 1 without a judgement.",
    );
    expect(res.code).toBe(0);
    const fakenham = await db.provider.findUniqueOrThrow({ where: { ofstedUrn: "5120462" } });
    expect([fakenham.ofstedGrade, fakenham.ofstedInspectedAt?.toISOString()]).toEqual([
      "Inadequate",
      "2024-10-02T00:00:00.000Z",
    ]);
    const horizons = await db.provider.findUniqueOrThrow({ where: { ofstedUrn: "5964616" } });
    expect(horizons.ofstedGrade).toBe("Requires improvement");
    const list = await cli("providers", "list", "--lot", "1");
    expect(list.stdout).toMatch(/tier 1 {2}5120462 Inadequate {2}Fakenham Family Placements/);

    const dir = mkdtempSync(join(tmpdir(), "rb-ofsted-"));
    writeFileSync(join(dir, "wrong.csv"), "name,lots\nA,1\n");
    const wrong = await cli("providers", "ofsted-import", join(dir, "wrong.csv"));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("Not an Ofsted providers CSV");
  });

  it("reports rejected rows with line numbers and reasons, and imports the valid ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rb-import-"));
    const file = join(dir, "p.csv");
    writeFileSync(
      file,
      [
        HEADER,
        "Good Row Homes,2,good@row-homes.example,,,SC900001,Good,female,11,17,SEMH;ASD,PE,active,",
        "No Contact Ltd,1,,,,,,,,,,,active,",
        "Bad Lot Care,9,bad@lot.example,,,,,,,,,,active,",
        "Copy Of Good,2,good@row-homes.example,,,,,,,,,,active,",
      ].join("\n"),
    );
    const res = await cli("providers", "import", file);
    expect(res.code).toBe(2);
    expect(res.stdout).toContain("Read 4 rows: 1 created, 0 updated, 3 rejected.");
    expect(res.stdout).toMatch(/line 3: .*email/);
    expect(res.stdout).toContain("line 4: lots: no lot 9 in the directory");
    expect(res.stdout).toContain("line 5: duplicate of the provider on line 2");
    const p = await db.provider.findUniqueOrThrow({ where: { ofstedUrn: "SC900001" }, include: { lots: true } });
    expect(p).toMatchObject({ name: "Good Row Homes", genders: ["female"], ageMin: 11, ageMax: 17, areas: ["PE"] });
  });

  it("lists providers by lot and suspends one with a reason (audited)", async () => {
    const list = await cli("providers", "list", "--lot", "4");
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^\d+ providers$/m);
    const id = list.stdout.split("\n")[0]!.split(/\s+/)[0]!;
    const res = await cli("providers", "suspend", id, "--reason", "Ofsted inadequate judgement");
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("Ofsted inadequate judgement");
    expect(await db.provider.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "suspended" });
    expect(
      await db.auditEvent.count({
        where: { action: "provider.suspended", detail: { path: ["providerId"], equals: id } },
      }),
    ).toBe(1);
    const missing = await cli("providers", "suspend", id);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("--reason");
  });

  it("shows progress on a large file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rb-import-"));
    const file = join(dir, "big.csv");
    const rows = Array.from(
      { length: 1200 },
      (_, i) => `Bulk Tutor ${i},4,tutor${i}@bulk-tuition.example,,,,,,,,MLD,,active,`,
    );
    writeFileSync(file, [HEADER, ...rows].join("\n"));
    const res = await cli("providers", "import", file);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain("checked 500 rows");
    expect(res.stderr).toContain("written 1000 rows");
    expect(res.stdout).toContain("Read 1200 rows: 1200 created, 0 updated, 0 rejected.");
  });
});
