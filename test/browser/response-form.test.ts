// The response link in a real browser (Debian's headless Chromium through playwright-core): the form works with
// no JavaScript beyond the browser's own, errors are shown and linked, the offer is stored, and it fits a phone.
// Screenshots go to test/artifacts/ for a person to look at.
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DomainEvent } from "../../src/events.js";
import { responseRouter } from "../../src/http/response-routes.js";
import { hashToken, responseTokenFor } from "../../src/responses/tokens.js";
import { launchChromium, seriousAxeViolations } from "../helpers/browser.js";
import { capturingLogger, fixedClock, freshLot, testConfig, testDb } from "../helpers/env.js";
import { makeProvider, openReferralWithDeliveries } from "../helpers/referrals.js";
import { type Served, serveRouter } from "../helpers/response-links.js";

const ARTIFACTS = "test/artifacts";
const db = testDb();
const config = testConfig();
const clock = fixedClock("2026-11-23T09:00:00Z");
const { logger } = capturingLogger();
let lot: { id: number; number: number };
let providerId: string;
let served: Served;
let browser: Browser | undefined;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  lot = await freshLot(db);
  providerId = (await makeProvider(db, lot.id, { name: "Hilltop Children's Homes" })).id;
  served = await serveRouter(responseRouter({ db, clock, tokenSecret: config.RESPONSE_TOKEN_SECRET, logger }), logger);
});

afterAll(async () => {
  await browser?.close();
  await served?.close();
});

async function launch(): Promise<Browser> {
  browser ??= await launchChromium();
  return browser;
}

async function link() {
  const r = await openReferralWithDeliveries({ db, clock, config }, lot.number, [providerId]);
  const deliveryId = r.deliveryIds[0]!;
  const token = responseTokenFor(config.RESPONSE_TOKEN_SECRET, deliveryId);
  await db.delivery.update({ where: { id: deliveryId }, data: { tokenHash: hashToken(token) } });
  return { ...r, deliveryId, url: `${served.url}/r/${token}` };
}

type ResponseReceived = Extract<DomainEvent, { type: "response.received" }>;
/** The referral's "response.received" events in the outbox, oldest first. */
async function responseEventsFor(referralId: string): Promise<ResponseReceived[]> {
  const rows = await db.outboxEvent.findMany({ where: { kind: "event" }, orderBy: { id: "asc" } });
  return rows
    .map((r) => r.payload as DomainEvent)
    .filter((e): e is ResponseReceived => e.type === "response.received" && e.referralId === referralId);
}

/** Any Content-Security-Policy complaint means the page uses something the policy does not allow. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(e.message));
  return problems;
}

describe("the response form in Chromium", () => {
  it("has no serious or critical accessibility problem (axe), blank, with errors, and confirmed", async () => {
    const b = await launch();
    const l = await link();
    // bypassCSP: only so axe's script can be added; the page is otherwise as a provider gets it.
    const context = await b.newContext({ locale: "en-GB", timezoneId: "Europe/London", bypassCSP: true });
    const page = await context.newPage();
    await page.goto(l.url);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByLabel("Offer a placement").check();
    await page.getByRole("button", { name: "Send response" }).click();
    await page.locator(".error-summary").waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByLabel("Cost", { exact: true }).fill("1850");
    await page.getByLabel("Earliest start date").fill("2026-12-01");
    await page.getByLabel("How you would meet the child's needs").fill("Two experienced carers.");
    await page.getByRole("button", { name: "Send response" }).click();
    await page.getByRole("heading", { name: /^Thank you/ }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await context.close();
  });

  it("shows errors for a blank cost, then stores the offer and confirms it", async () => {
    const b = await launch();
    const l = await link();
    const context = await b.newContext({
      viewport: { width: 1280, height: 900 },
      locale: "en-GB",
      timezoneId: "Europe/London",
      javaScriptEnabled: false,
    });
    const page = await context.newPage();
    const problems = watchConsole(page);

    const opened = await page.goto(l.url);
    expect(opened?.status()).toBe(200);
    await expect(page.title()).resolves.toBe(`Respond to referral ${l.reference} - Placement referrals`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(`Referral ${l.reference}`);
    await expect(page.locator("body").textContent()).resolves.not.toContain("Test Child");
    // The offer's fields appear only once Offer is chosen (CSS :has, no script).
    await expect(page.getByLabel("Cost", { exact: true }).isVisible()).resolves.toBe(false);
    await page.screenshot({ path: `${ARTIFACTS}/response-form-desktop.png`, fullPage: true });

    await page.getByLabel("Offer a placement").check();
    await expect(page.getByLabel("Cost", { exact: true }).isVisible()).resolves.toBe(true);
    await expect(page.getByLabel("Reason for declining").isVisible()).resolves.toBe(false);
    await page.getByLabel("Earliest start date").fill("2026-12-01");
    await page.getByLabel("How you would meet the child's needs").fill("Two experienced carers and weekly therapy.");
    await page.getByRole("button", { name: "Send response" }).click();
    await page.locator(".error-summary").waitFor();

    const summary = page.locator(".error-summary");
    await expect(summary.isVisible()).resolves.toBe(true);
    await expect(summary.getByRole("heading").textContent()).resolves.toBe("There is a problem");
    const fieldError = page.locator("#costGbp-error");
    await expect(fieldError.isVisible()).resolves.toBe(true);
    await expect(fieldError.textContent()).resolves.toContain("Enter the cost");
    await expect(page.getByLabel("Cost", { exact: true }).getAttribute("aria-invalid")).resolves.toBe("true");
    // What was typed is still there, and Offer is still chosen.
    await expect(page.getByLabel("Offer a placement").isChecked()).resolves.toBe(true);
    await expect(page.getByLabel("Earliest start date").inputValue()).resolves.toBe("2026-12-01");
    await expect(page.getByLabel("How you would meet the child's needs").inputValue()).resolves.toBe(
      "Two experienced carers and weekly therapy.",
    );
    // The summary's link takes keyboard focus to the field.
    await summary.getByRole("link", { name: "Enter the cost" }).click();
    await expect(page.evaluate<string>("document.activeElement.id")).resolves.toBe("costGbp");
    await page.screenshot({ path: `${ARTIFACTS}/response-form-errors-desktop.png`, fullPage: true });
    expect(await db.response.count({ where: { deliveryId: l.deliveryId } })).toBe(0);

    await page.getByLabel("Cost", { exact: true }).fill("1850");
    await page.getByLabel("Earliest start date").fill("2026-12-01");
    await page.getByRole("button", { name: "Send response" }).click();
    await page.getByRole("heading", { name: /^Thank you/ }).waitFor();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(
      `Thank you: your offer for ${l.reference} was received`,
    );
    await expect(page.getByRole("heading", { name: "What happens next" }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/response-confirmation-desktop.png`, fullPage: true });

    const rows = await db.response.findMany({ where: { deliveryId: l.deliveryId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      type: "offer",
      weeklyCostPence: 185_000,
      needsMet: "Two experienced carers and weekly therapy.",
      providerId,
    });
    expect(rows[0]?.startDate?.toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(await responseEventsFor(l.id)).toEqual([
      {
        type: "response.received",
        referralId: l.id,
        responseId: rows[0]?.id,
        providerId,
        responseType: "offer",
      },
    ]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("fits a phone screen and declines with a reason", async () => {
    const b = await launch();
    const l = await link();
    const context = await b.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: "en-GB",
      timezoneId: "Europe/London",
      javaScriptEnabled: false,
    });
    const page = await context.newPage();
    const problems = watchConsole(page);
    await page.goto(l.url);
    await page.getByLabel("Offer a placement").check();
    await page.screenshot({ path: `${ARTIFACTS}/response-form-mobile.png`, fullPage: true });
    // Nothing wider than the screen: no sideways scrolling on a phone.
    const [scrollWidth, innerWidth] = await page.evaluate<[number, number]>(
      "[document.documentElement.scrollWidth, window.innerWidth]",
    );
    expect(innerWidth).toBe(390);
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);

    await page.getByLabel("Decline this referral").check();
    await expect(page.getByLabel("Cost", { exact: true }).isVisible()).resolves.toBe(false);
    await page.getByLabel("Reason for declining").selectOption({ label: "No vacancy" });
    await page.getByLabel("Notes (optional)").fill("Full until March.");
    await page.getByRole("button", { name: "Send response" }).tap();
    await page.getByRole("heading", { name: /^Thank you/ }).waitFor();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(
      `Thank you: your decision to decline ${l.reference} was received`,
    );
    await page.screenshot({ path: `${ARTIFACTS}/response-confirmation-mobile.png`, fullPage: true });
    const rows = await db.response.findMany({ where: { deliveryId: l.deliveryId } });
    expect(rows.map((r) => [r.type, r.declineReason, r.notes])).toEqual([
      ["decline", "no_vacancy", "Full until March."],
    ]);
    expect((await responseEventsFor(l.id)).map((e) => [e.responseId, e.responseType])).toEqual([
      [rows[0]?.id, "decline"],
    ]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
