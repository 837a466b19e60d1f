// The local demo in a real browser (Debian's headless Chromium): the chat page that plays the Teams client renders
// the bot's Adaptive Cards with Microsoft's renderer; a social worker raises a referral (a field error shown on
// the card first), demo providers answer (priced on different bases), an ART member compares the offers and
// approves one, the channel card shows the placement, and the social worker opens their home. Screenshots go to test/artifacts/.
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Config } from "../../src/config.js";
import type { Db } from "../../src/db.js";
import { type Demo, startDemo } from "../../src/demo/run-demo.js";
import { launchChromium, seriousAxeViolations } from "../helpers/browser.js";
import { birthDateForAge, londonDaysAfter } from "../helpers/dates.js";
import { capturingLogger, isolatedEnv } from "../helpers/env.js";
import { freePort } from "../helpers/service.js";

const ARTIFACTS = "test/artifacts";
let demo: Demo;
let db: Db;
let config: Config;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ db, config } = await isolatedEnv("demo"));
  demo = await startDemo({
    logger: capturingLogger().logger,
    port: await freePort(),
    chatPort: 0,
    // Any free ports: another demo (or another test run) may hold the defaults.
    webhookPort: 0,
    smtpPort: 0,
    databaseUrl: config.DATABASE_URL,
    redisPrefix: config.REDIS_PREFIX,
    answerDelayMs: 200,
  });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  await db?.$disconnect();
});

const field = (page: Page, id: string) => page.locator(`#chat [id="${id}"]`).last();

async function fillForm(page: Page, area: string) {
  await field(page, "profile.lotNumber").locator("select").selectOption("2");
  await field(page, "profile.ageYears").locator("input").fill("14");
  await field(page, "profile.gender").locator("select").selectOption("female");
  await field(page, "profile.needCodes").getByRole("checkbox", { name: "SEMH" }).check();
  await field(page, "profile.ehcp").locator("select").selectOption("no");
  await field(page, "profile.legalStatus").locator("select").selectOption("s31");
  await field(page, "profile.area").locator("input").fill(area);
  await field(page, "profile.urgency").locator("select").selectOption("standard");
  await field(page, "profile.requiredBy").locator("input").fill(londonDaysAfter(new Date(), 20));
  await field(page, "profile.summary").locator("textarea").fill("Needs a calm home; loves drawing.");
  await field(page, "restricted.childName").locator("input").fill("Browser Secret Child");
  await field(page, "restricted.dateOfBirth").locator("input").fill(birthDateForAge(14));
}

it("raises a referral in the local Teams chat and approves an offer", async () => {
  // bypassCSP only so that axe's script can be added to the page.
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 }, bypassCSP: true })).newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${demo.chatUrl}/`);
  await expect.poll(() => page.locator("#user option").count(), { timeout: 20_000 }).toBe(3);

  // Sam, a social worker, asks for the form in the chat with the bot.
  await page.fill("#text", "new referral");
  await page.click("#compose button");
  await page.locator("#chat .ac-adaptiveCard").first().waitFor();
  expect(await seriousAxeViolations(page)).toEqual([]);
  await fillForm(page, "PE1 2AB");
  await page.locator("#chat").getByRole("button", { name: "Raise referral" }).last().click();
  await page.locator("#chat").getByText("is a full postcode").waitFor();
  expect(await seriousAxeViolations(page)).toEqual([]);
  await field(page, "profile.area").locator("input").fill("PE1");
  await page.locator("#chat").getByRole("button", { name: "Raise referral" }).last().click();
  await page
    .locator("#chat")
    .getByText(/Referral R-\d{4}-\d{4} raised/)
    .waitFor();
  const referral = await db.referral.findFirstOrThrow();
  expect(referral.createdBy).toBe("teams:demo-sw");

  // The card appears in the channel, and demo providers' offers arrive in its thread.
  await page.locator("#channel").getByText(`Referral ${referral.reference}`).waitFor({ timeout: 20_000 });
  await page
    .locator("#channel .replies")
    .getByText(/Offer from/)
    .first()
    .waitFor({ timeout: 30_000 });
  await page.screenshot({ path: `${ARTIFACTS}/teams-demo-offers.png` });
  expect(await seriousAxeViolations(page)).toEqual([]);

  // Each Approve button is named after its offer, so a screen reader can tell them apart.
  const approveNames = await page
    .locator("#channel .replies")
    .getByRole("button", { name: /^Approve/ })
    .evaluateAll((buttons) => buttons.map((b) => b.getAttribute("aria-label") ?? ""));
  expect(approveNames.length).toBeGreaterThan(0);
  for (const name of approveNames) expect(name).toMatch(/^Approve the offer from .+ at £[\d,]+\/week$/);
  expect(new Set(approveNames).size).toBe(approveNames.length);

  // A social worker cannot approve; Alex (ART) can. The refusal was for Sam: it goes when Alex signs in.
  await page.locator("#channel .replies").getByRole("button", { name: "Approve" }).first().click();
  await page
    .locator("#toast")
    .getByText(/^Not authorised/)
    .waitFor();
  await page.selectOption("#user", "demo-art");
  await expect.poll(() => page.locator("#toast").isVisible()).toBe(false);

  // The card's tally line says whom the referral reached from the sample directory (tiers, vacancies, Ofsted).
  await page
    .locator("#channel")
    .getByText(/sent to \d+ of \d+ on the lot/)
    .first()
    .waitFor();
  // Alex compares the offers: every one by its weekly equivalent, an annual fee or day rate with its own figure.
  await page
    .locator("#channel .replies")
    .getByText(/Offer from/)
    .nth(1)
    .waitFor({ timeout: 30_000 });
  await page.locator("#channel").getByRole("button", { name: "Compare offers (ART)" }).first().click();
  const comparison = page.locator("#channel").getByText(`Compare offers: ${referral.reference}`);
  await comparison.waitFor();
  await page
    .locator("#channel")
    .getByText(/cheapest weekly equivalent first/)
    .waitFor();
  await page
    .locator("#channel")
    .getByText(/\/week equivalent \((annual 52-week fee|£[\d,]+\/day)/)
    .first()
    .waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/teams-demo-compare.png` });
  expect(await seriousAxeViolations(page)).toEqual([]);

  await page.locator("#channel .replies").getByRole("button", { name: "Approve" }).first().click();
  await expect.poll(async () => (await db.referral.findFirstOrThrow()).status, { timeout: 10_000 }).toBe("placed");
  await page
    .locator("#channel")
    .getByText(/^Placed with/)
    .first()
    .waitFor({ timeout: 20_000 });
  await page
    .locator("#channel .replies")
    .getByText(/Placed with .* approved by Alex Morgan/)
    .waitFor({ timeout: 20_000 });
  // The approved offer is marked, and no offer in the thread can be approved or declined any more.
  await page.locator("#channel .replies").getByText("✅ Approved").first().waitFor({ timeout: 20_000 });
  await expect
    .poll(
      () =>
        page
          .locator("#channel")
          .getByRole("button", { name: /^(Approve|Decline)/ })
          .count(),
      {
        timeout: 20_000,
      },
    )
    .toBe(0);
  await page.screenshot({ path: `${ARTIFACTS}/teams-demo-placed.png`, fullPage: true });
  expect(await seriousAxeViolations(page)).toEqual([]);
  // Sam opens their home with the Home button: the referral, placed.
  await page.selectOption("#user", "demo-sw");
  await page.click("#home");
  await page.locator("#chat").getByText("My referrals (1)").waitFor({ timeout: 20_000 });
  await page.locator("#chat").getByText(referral.reference).first().waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/teams-demo-home.png` });
  expect(await seriousAxeViolations(page)).toEqual([]);
  expect(await page.content()).not.toContain("Browser Secret Child");
  expect(errors).toEqual([]);
}, 120_000);
