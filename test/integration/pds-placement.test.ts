// The Placements Data Standard's "actual placement": recorded by the approval that places the child (API), from
// the offer, the provider and the approver's answers; corrected afterwards; exported with the referral's
// categories as the standard's CSV, by the reports API and the CLI, with none of the restricted free text.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import type { Service } from "../../src/main.js";
import { ensureLots } from "../../src/providers/directory.js";
import { secondApproval } from "../../src/referrals/decisions.js";
import { PDS_COLUMNS } from "../../src/reporting/pds-export.js";
import { art, capturingLogger, fixedClock, isolatedEnv } from "../helpers/env.js";
import { makeProvider, offer, openReferralWithDeliveries, referralInput } from "../helpers/referrals.js";
import { ART_TOKEN, postJson, startTestService } from "../helpers/service.js";

const exec = promisify(execFile);
const clock = fixedClock("2026-07-15T09:00:00Z");
const CANARY = "Canary Street";
let db: Db;
let config: Config;
let service: Service;

beforeAll(async () => {
  ({ db, config } = await isolatedEnv("pds", {
    ART_API_TOKENS: `art:${ART_TOKEN}:decisions:write+reports:read`,
  }));
  await ensureLots(db);
  service = await startTestService({ config, logger: capturingLogger().logger, role: "web", clock });
});
afterAll(async () => {
  await service?.close();
  await db?.$disconnect();
});

/** RFC 4180 rows (no cell here holds a line break): commas inside double quotes do not split. */
function csvRows(text: string): string[][] {
  return text
    .trimEnd()
    .split("\r\n")
    .map((line) => {
      const cells: string[] = [];
      let cell = "";
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i]!;
        if (quoted && c === '"' && line[i + 1] === '"') {
          cell += '"';
          i++;
        } else if (c === '"') quoted = !quoted;
        else if (c === "," && !quoted) {
          cells.push(cell);
          cell = "";
        } else cell += c;
      }
      cells.push(cell);
      return cells;
    });
}

async function placedReferral() {
  const lot2 = await db.lot.findUniqueOrThrow({ where: { number: 2 } });
  const provider = await makeProvider(db, lot2.id, { ofstedUrn: `SC${Date.now() % 1_000_000}` });
  const input = referralInput(
    2,
    {
      pds: {
        siblingsToPlaceWith: 1,
        communicationNeeds: ["bsl", "makaton"],
        adaptationsToHome: true,
        culturalNeeds: "required",
        caredForAlongside: "only_younger",
        pets: "can",
        additionalSupport: ["therapeutic_support"],
        deprivationOfLiberty: true,
        suitability: { foster: "unsuitable", residential: "preferred" },
        risksToChild: ["going_missing"],
        risksToOthers: ["fire_setting"],
      },
    },
    { preferredLocation: `Near ${CANARY}`, culturalNeedsDetail: `Mosque on ${CANARY}` },
    clock.now(),
  );
  const r = await openReferralWithDeliveries({ db, clock, config }, 2, [provider.id], input);
  const o = await offer({ db, clock }, r.deliveryIds[0]!, 3900);
  return { r, provider, offerId: o.id };
}

describe("actual placement", () => {
  it("is recorded with the approval, corrected afterwards, and exported in the standard's columns", async () => {
    const { r, provider, offerId } = await placedReferral();
    const approved = await postJson(
      `${service.url}/api/v1/offers/${offerId}/approve`,
      { placement: { educationContinuity: true, siblingsPlacedTogether: 1 } },
      ART_TOKEN,
    );
    expect(approved).toMatchObject({ status: 200, body: { status: "placed" } });
    expect(await db.placementRecord.findUnique({ where: { referralId: r.id } })).toMatchObject({
      weeklyCostPence: 390_000,
      location: "PE1",
      inPreferredLocation: true,
      educationContinuity: true,
      providerUrn: provider.ofstedUrn,
      siblingsPlacedTogether: 1,
      placementType: "residential",
    });

    const put = (body: unknown) =>
      fetch(`${service.url}/api/v1/referrals/${r.id}/placement`, {
        method: "PUT",
        headers: { "content-type": "application/json", authorization: `Bearer ${ART_TOKEN}` },
        body: JSON.stringify(body),
      });
    expect((await put({ location: "PE2 1AB" })).status).toBe(400);
    expect((await put({ location: "PE2" })).status).toBe(204);
    expect(await db.placementRecord.findUnique({ where: { referralId: r.id } })).toMatchObject({
      location: "PE2",
      inPreferredLocation: false,
    });

    const res = await fetch(`${service.url}/api/v1/reports/placements?from=2026-07-01&to=2026-07-31&format=pds`, {
      headers: { authorization: `Bearer ${ART_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const text = await res.text();
    expect(text).not.toContain(CANARY);
    const [header, ...rows] = csvRows(text);
    expect(header).toEqual([...PDS_COLUMNS]);
    const row = rows.find((cells) => cells[0] === r.reference)!;
    const cell = (name: (typeof PDS_COLUMNS)[number]) => row[PDS_COLUMNS.indexOf(name)];
    expect(cell("Number of sublings to place with")).toBe("1");
    expect(cell("Preferred location for home search")).toBe("PE1");
    expect(cell("Specific communication and language requirements")).toBe("BSL; Makaton");
    expect(cell("Who can the child be cared for alongside")).toBe("Only with other younger children");
    expect(cell("Foster care suitability")).toBe("Unsuitable");
    expect(cell("Supported Accomodation suitability")).toBe("Not specified");
    expect(cell("Risk to child: Going missing")).toBe("Risk Present");
    expect(cell("Risk to child: Self-harm")).toBe("No known risk");
    expect(cell("Risk to others or property: Fire-setting")).toBe("Risk Present");
    expect(cell("Total Weekly Cost (actual weekly fee paid)")).toBe("3900");
    expect(cell("Placement Location")).toBe("PE2");
    expect(cell("Preferrabilty of placement location")).toBe("No");
    expect(cell("Education Continuity")).toBe("Yes");
    expect(cell("Provider URN (linked to Ofsted)")).toBe(provider.ofstedUrn);
    expect(cell("Placement Type")).toBe("Residential");
    expect(cell("Date of Data entry (placement)")).toBe("2026-07-15");

    const cli = await exec(
      process.execPath,
      ["src/bin/referral-bot.mjs", "report", "--format", "pds", "--from", "2026-07-15", "--to", "2026-07-15"],
      { env: { ...process.env, DATABASE_URL: config.DATABASE_URL, REDIS_URL: config.REDIS_URL } },
    );
    expect(cli.stdout).toBe(text);
  });

  it("is written with a first approval and dropped when the second approver refuses", async () => {
    const { r, offerId } = await placedReferral();
    await db.response.update({ where: { id: offerId }, data: { weeklyCostPence: 900_000 } });
    const approved = await postJson(`${service.url}/api/v1/offers/${offerId}/approve`, {}, ART_TOKEN);
    expect(approved.body).toMatchObject({ status: "awaiting_second_approval" });
    // Written with the first approval; the export leaves it out until the referral is placed.
    expect(await db.placementRecord.count({ where: { referralId: r.id } })).toBe(1);
    await secondApproval({ db, clock, thresholdPence: 500_000 }, r.id, art("senior", true), false);
    expect(await db.placementRecord.count({ where: { referralId: r.id } })).toBe(0);
  });
});
