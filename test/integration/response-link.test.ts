// A provider's response link against real PostgreSQL: the page (profile only, safe headers), JSON answers with
// idempotency and typed errors, and the HTML form with its CSRF check, field errors and confirmation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DomainEvent } from "../../src/events.js";
import { CSRF_COOKIE, csrfTokenFor, responseRouter } from "../../src/http/response-routes.js";
import { siblingReferencesOf } from "../../src/referrals/sibling-group.js";
import { broadcastProfileOf } from "../../src/responses/profile.js";
import { resolveResponseToken } from "../../src/responses/resolve.js";
import { birthDateForAge } from "../helpers/dates.js";
import { capturingLogger, fixedClock, freshLot, testConfig, testDb } from "../helpers/env.js";
import { makeProvider, referralInput } from "../helpers/referrals.js";
import { OFFER, postJson, responseLink, type Served, serveRouter } from "../helpers/response-links.js";

const db = testDb();
const config = testConfig();
const SECRET = config.RESPONSE_TOKEN_SECRET;
const clock = fixedClock("2026-11-23T09:00:00Z");
const { logger, lines } = capturingLogger();
let lot: { id: number; number: number };
let providerId: string;
let served: Served;

beforeAll(async () => {
  lot = await freshLot(db);
  providerId = (await makeProvider(db, lot.id)).id;
  served = await serveRouter(responseRouter({ db, clock, tokenSecret: SECRET, logger }), logger);
});

afterAll(() => served?.close());

/** A fresh open referral with one delivery whose response token we know. */
const link = (input = referralInput(lot.number, {}, {}, clock.now())) =>
  responseLink({ db, clock, config }, served.url, lot.number, providerId, input);

/** A form post with the CSRF cookie as given (or none), to check what the form refuses. */
const postForm = (url: string, fields: Record<string, string>, cookie?: string) =>
  fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(cookie ? { cookie: `${CSRF_COOKIE}=${cookie}` } : {}),
    },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });

const responsesFor = (deliveryId: string) => db.response.findMany({ where: { deliveryId } });
type ResponseReceived = Extract<DomainEvent, { type: "response.received" }>;
/** The referral's "response.received" events in the outbox, oldest first. */
async function eventsFor(referralId: string): Promise<ResponseReceived[]> {
  const rows = await db.outboxEvent.findMany({ where: { kind: "event" }, orderBy: { id: "asc" } });
  return rows
    .map((r) => r.payload as DomainEvent)
    .filter((e): e is ResponseReceived => e.type === "response.received" && e.referralId === referralId);
}

describe("GET /r/:token", () => {
  it("shows the anonymised profile and the form, never the restricted details", async () => {
    const l = await link();
    const res = await fetch(l.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html; charset=utf-8/);
    const html = await res.text();
    expect(html).toContain('<html lang="en-GB">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain(`<h1>Referral <span class="nowrap">${l.reference}</span></h1>`);
    expect(html).toContain(`Lot ${lot.number}:`);
    expect(html).toContain("14 years old");
    expect(html).toContain("Female");
    expect(html).toContain("Social, emotional and mental health (SEMH)");
    expect(html).toContain("Section 31 (care order)");
    expect(html).toContain("PE1");
    expect(html).toContain("15 December 2026");
    expect(html).toContain("Needs a stable home with experienced carers; enjoys football.");
    // 7 days after 09:00 GMT on 23 November, shown in UK time.
    expect(html).toContain("9am on Monday 30 November 2026");
    expect(html).toContain(
      '<legend><h2 class="legend-heading" id="respond-heading">How do you want to respond?</h2></legend>',
    );
    for (const t of ["offer", "decline", "question"]) expect(html).toContain(`id="type-${t}" name="type" value="${t}"`);
    expect(html).toContain('<label class="label" for="costGbp">');
    expect(html).toContain('<option value="cannot_meet_needs">We cannot meet the child&#39;s needs</option>');
    expect(html).toContain(`<input type="hidden" name="csrf" value="${l.csrf}">`);
    expect(html).not.toContain("<script");
    expect(html).not.toContain("Test Child");
    const born = birthDateForAge(14, clock.now());
    expect(html).not.toContain(born);
    expect(html).not.toContain(born.slice(0, 4)); // the year of birth, in any format
  });

  it("sets no-store, no-referrer, a strict CSP with the page's style nonce, DENY framing and the CSRF cookie", async () => {
    const l = await link();
    const res = await fetch(l.url);
    const html = await res.text();
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("script-src");
    const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(html).toContain(`<style nonce="${nonce}">`);
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toBe(`${CSRF_COOKIE}=${l.csrf}; Path=/r/${l.token}; HttpOnly; SameSite=Strict`);
    // A new nonce each time.
    const again = await fetch(l.url);
    expect(again.headers.get("content-security-policy")).not.toBe(csp);
  });

  it("escapes whatever the referral says", async () => {
    const l = await link(
      referralInput(lot.number, { summary: `<script>alert("x")</script> & <b>bold</b>` }, {}, clock.now()),
    );
    const html = await (await fetch(l.url)).text();
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;");
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>bold");
  });

  it("resolves a link to the profile the broadcast carries: sibling group, PDS categories, an erased summary", async () => {
    // resolveResponseToken reads all of it in one statement; what it gives must be what the Prisma rows give.
    const alone = await link();
    const older = await link(
      referralInput(
        lot.number,
        { pds: { communicationNeeds: ["bsl"], pets: "can", risksToChild: ["going_missing"] } },
        {},
        clock.now(),
      ),
    );
    const younger = await link();
    await db.referral.updateMany({
      where: { id: { in: [older.id, younger.id] } },
      data: { siblingGroupId: older.id },
    });
    await db.referral.update({ where: { id: alone.id }, data: { summary: null } });
    const expected = async (referralId: string) => {
      const r = await db.referral.findUniqueOrThrow({ where: { id: referralId }, include: { lot: true } });
      return broadcastProfileOf({ ...r, siblingReferences: await siblingReferencesOf(db, r.siblingGroupId) });
    };
    for (const l of [alone, older, younger]) {
      const resolved = await resolveResponseToken({ db, clock }, l.token);
      expect(resolved.profile).toEqual(await expected(l.id));
      expect(resolved).toMatchObject({ deliveryId: l.deliveryId, referralId: l.id, providerId, roundNumber: 1 });
    }
    const group = (await resolveResponseToken({ db, clock }, younger.token)).profile;
    expect(JSON.stringify(group)).toContain(
      `sibling group of 2: ${[older.reference, younger.reference].sort().join(", ")}`,
    );
    expect(JSON.stringify((await resolveResponseToken({ db, clock }, older.token)).profile)).toContain("going_missing");
    expect((await resolveResponseToken({ db, clock }, alone.token)).profile.summary).toBe("");
    expect(JSON.stringify((await resolveResponseToken({ db, clock }, alone.token)).profile)).not.toContain(
      "sibling group",
    );
  });

  it("answers an unknown or malformed token with a 404 page", async () => {
    for (const token of ["A".repeat(43), "nope", "x".repeat(200)]) {
      const res = await fetch(`${served.url}/r/${token}`);
      expect(res.status).toBe(404);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const html = await res.text();
      expect(html).toContain("Page not found");
      expect(html).toContain("We do not recognise this response link.");
      expect(html).not.toContain(token);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
  });

  it("answers an expired link with a 410 page", async () => {
    const l = await link();
    await db.delivery.update({
      where: { id: l.deliveryId },
      data: { tokenExpiresAt: new Date(clock.now().getTime() - 60_000) },
    });
    const res = await fetch(l.url);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain("This response link has expired");
  });

  it("answers a closed round with a 409 page", async () => {
    const l = await link();
    await db.round.updateMany({ where: { referralId: l.id }, data: { closedAt: clock.now() } });
    const res = await fetch(l.url);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("This referral is no longer taking responses");
  });
});

describe("POST /r/:token as JSON", () => {
  it("stores an offer, a decline and a question with 201", async () => {
    const l = await link();
    const offer = await postJson(l.url, { ...OFFER, notes: "Can visit next week." });
    expect(offer.status).toBe(201);
    const o = (await offer.json()) as { id: string; type: string; status: string };
    expect(o).toEqual({ id: expect.any(String), type: "offer", status: "received" });
    expect(offer.headers.get("cache-control")).toBe("no-store");

    const decline = await postJson(l.url, { type: "decline", reason: "no_vacancy", notes: "Full until March." });
    expect(decline.status).toBe(201);
    const question = await postJson(l.url, {
      type: "question",
      question: "Does the child have contact with siblings?",
    });
    expect(question.status).toBe(201);

    const rows = await responsesFor(l.deliveryId);
    expect(rows).toHaveLength(3);
    const stored = rows.find((r) => r.id === o.id)!;
    expect(stored).toMatchObject({
      type: "offer",
      weeklyCostPence: 185_000,
      needsMet: "A therapeutic home.",
      notes: "Can visit next week.",
      providerId,
      referralId: l.id,
    });
    expect(stored.startDate?.toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(rows.find((r) => r.type === "decline")).toMatchObject({
      declineReason: "no_vacancy",
      notes: "Full until March.",
    });
    expect(rows.find((r) => r.type === "question")?.question).toBe("Does the child have contact with siblings?");
    const events = await eventsFor(l.id);
    expect(events.map((e) => e.responseType)).toEqual(["offer", "decline", "question"]);
    expect(events.map((e) => e.responseId).sort()).toEqual(rows.map((r) => r.id).sort());
    expect((await db.referral.findUniqueOrThrow({ where: { id: l.id } })).status).toBe("offers_received");
  });

  it("answers a repeat with the same Idempotency-Key as the first (201, same id), storing one row", async () => {
    const l = await link();
    const first = await postJson(l.url, OFFER, { "idempotency-key": "offer-attempt-1" });
    expect(first.status).toBe(201);
    const a = await first.json();
    // Even a different body: the key names the attempt.
    const second = await postJson(l.url, { ...OFFER, weeklyCostGbp: 1900 }, { "idempotency-key": "offer-attempt-1" });
    expect(second.status).toBe(201);
    expect(await second.json()).toEqual(a);
    expect(await responsesFor(l.deliveryId)).toHaveLength(1);
    expect(await eventsFor(l.id)).toHaveLength(1);
  });

  it("answers three copies sent at once with one Idempotency-Key alike: 201 and one id each, one row", async () => {
    const l = await link();
    const answers = await Promise.all(
      [1, 2, 3].map(() => postJson(l.url, OFFER, { "idempotency-key": "offer-burst-1" })),
    );
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    const bodies = await Promise.all(answers.map((a) => a.json()));
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
    expect(await responsesFor(l.deliveryId)).toHaveLength(1);
    expect(await eventsFor(l.id)).toHaveLength(1);
  });

  it("refuses an offer starting before today (London) and says so; today is fine", async () => {
    const l = await link();
    const past = await postJson(l.url, { ...OFFER, startDate: "2026-11-22" });
    expect(past.status).toBe(400);
    const body = (await past.json()) as { error: { fields: Record<string, string[]> } };
    expect(body.error.fields).toEqual({ startDate: ["cannot be in the past (today is fine)"] });
    expect(await responsesFor(l.deliveryId)).toHaveLength(0);
    expect((await postJson(l.url, { ...OFFER, startDate: "2026-11-23" })).status).toBe(201);
  });

  it("stores an identical repeat without a key once", async () => {
    const l = await link();
    const first = await postJson(l.url, OFFER);
    const second = await postJson(l.url, OFFER);
    expect([first.status, second.status]).toEqual([201, 200]);
    const ids = [await first.json(), await second.json()].map((b) => (b as { id: string }).id);
    expect(ids[1]).toBe(ids[0]);
    expect(await responsesFor(l.deliveryId)).toHaveLength(1);
    expect(await eventsFor(l.id)).toHaveLength(1);
  });

  it("records one response.received event in the outbox per stored response", async () => {
    const l = await link();
    await postJson(l.url, OFFER, { "idempotency-key": "k1" });
    await postJson(l.url, OFFER, { "idempotency-key": "k1" });
    await postJson(l.url, { type: "question", question: "Any siblings?" });
    await postJson(l.url, { type: "question", question: "Any siblings?" });
    await postJson(l.url, { type: "offer" }); // invalid: nothing stored
    const rows = await responsesFor(l.deliveryId);
    expect(rows).toHaveLength(2);
    const events = await eventsFor(l.id);
    expect(events.map((e) => e.responseId).sort()).toEqual(rows.map((r) => r.id).sort());
    for (const row of rows) {
      expect(events.find((e) => e.responseId === row.id)).toEqual({
        type: "response.received",
        referralId: l.id,
        responseId: row.id,
        providerId,
        responseType: row.type,
      });
    }
  });

  it("refuses invalid input with 400 and field errors, storing nothing", async () => {
    const l = await link();
    const res = await postJson(l.url, { type: "offer", weeklyCostGbp: -5, startDate: "not a date", needsMet: " " });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; fields: Record<string, string[]> } };
    expect(body.error.code).toBe("validation_failed");
    expect(Object.keys(body.error.fields).sort()).toEqual(["needsMet", "startDate", "weeklyCostGbp"]);
    expect(body.error.fields.weeklyCostGbp).toEqual(["must be more than £0"]);

    const badType = await postJson(l.url, { type: "maybe" });
    expect(badType.status).toBe(400);
    expect(Object.keys(((await badType.json()) as typeof body).error.fields)).toEqual(["type"]);

    const badKey = await postJson(l.url, OFFER, { "idempotency-key": "x".repeat(201) });
    expect(badKey.status).toBe(400);

    const badJson = await fetch(l.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as typeof body).error.code).toBe("bad_json");
    expect(await responsesFor(l.deliveryId)).toHaveLength(0);
    expect(await eventsFor(l.id)).toHaveLength(0);
  });

  it("answers 404 for an unknown token, 410 for an expired link and 409 for a closed round", async () => {
    const unknown = await postJson(`${served.url}/r/${"B".repeat(43)}`, OFFER);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("not_found");

    const expired = await link();
    await db.delivery.update({ where: { id: expired.deliveryId }, data: { tokenExpiresAt: clock.now() } });
    const gone = await postJson(expired.url, OFFER);
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe("gone");

    const closed = await link();
    await db.round.updateMany({ where: { referralId: closed.id }, data: { closedAt: clock.now() } });
    const conflict = await postJson(closed.url, OFFER);
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { code: string } }).error.code).toBe("conflict");
    expect(await db.response.count({ where: { deliveryId: { in: [expired.deliveryId, closed.deliveryId] } } })).toBe(0);
    expect([...(await eventsFor(expired.id)), ...(await eventsFor(closed.id))]).toHaveLength(0);
  });

  it("answers 413 for a body over 64 KB and 415 for other content types", async () => {
    const l = await link();
    const big = await postJson(l.url, { ...OFFER, notes: "x".repeat(100 * 1024) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe("too_large");

    const text = await fetch(l.url, { method: "POST", headers: { "content-type": "text/plain" }, body: "offer" });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { error: { code: string } }).error.code).toBe("unsupported_media_type");
    const none = await fetch(l.url, { method: "POST" });
    expect(none.status).toBe(415);
    expect(await responsesFor(l.deliveryId)).toHaveLength(0);
    expect(await eventsFor(l.id)).toHaveLength(0);
  });
});

describe("POST /r/:token from the form", () => {
  const offerForm = (csrf: string) => ({
    csrf,
    type: "offer",
    costGbp: "£1,850",
    startDate: "2026-12-01",
    needsMet: "Two experienced carers & a therapist.",
    offerNotes: "",
    reason: "",
    declineNotes: "",
    question: "",
  });

  it("refuses a post without the CSRF field and cookie with a 403 page, storing nothing", async () => {
    const l = await link();
    const { csrf: _omit, ...noCsrf } = offerForm(l.csrf);
    const cases = [
      postForm(l.url, noCsrf),
      postForm(l.url, noCsrf, l.csrf), // cookie only
      postForm(l.url, offerForm(l.csrf)), // field only
      postForm(l.url, offerForm("0".repeat(64)), "0".repeat(64)), // both present, both wrong
      postForm(l.url, offerForm(csrfTokenFor(SECRET, "another-token-aaaaaaaaaaaa")), l.csrf),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status).toBe(403);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await res.text()).toContain("Your response could not be sent");
    }
    const crossSite = await fetch(l.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: `${CSRF_COOKIE}=${l.csrf}`,
        "sec-fetch-site": "cross-site",
      },
      body: new URLSearchParams(offerForm(l.csrf)).toString(),
    });
    expect(crossSite.status).toBe(403);
    expect(await responsesFor(l.deliveryId)).toHaveLength(0);
    expect(await eventsFor(l.id)).toHaveLength(0);
  });

  it("stores a valid offer and shows the confirmation", async () => {
    const l = await link();
    const res = await postForm(l.url, offerForm(l.csrf), l.csrf);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).toContain(
      `<title>Thank you: your offer for ${l.reference} was received - Placement referrals</title>`,
    );
    expect(html).toContain(`your offer for <span class="nowrap">${l.reference}</span> was received`);
    expect(html).toContain("What happens next");
    const rows = await responsesFor(l.deliveryId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      type: "offer",
      weeklyCostPence: 185_000,
      needsMet: "Two experienced carers & a therapist.",
    });
    expect(rows[0]?.notes).toBeNull();
    expect(await eventsFor(l.id)).toHaveLength(1);

    // Sending the same form again (a double click, a refresh) stores nothing new and confirms again.
    const again = await postForm(l.url, offerForm(l.csrf), l.csrf);
    expect(again.status).toBe(200);
    expect(await responsesFor(l.deliveryId)).toHaveLength(1);
    expect(await eventsFor(l.id)).toHaveLength(1);
  });

  it("stores a decline and a question, using only the chosen type's fields", async () => {
    const l = await link();
    const decline = await postForm(
      l.url,
      { ...offerForm(l.csrf), type: "decline", reason: "outside_area", declineNotes: "We are in the north." },
      l.csrf,
    );
    expect(decline.status).toBe(200);
    expect(await decline.text()).toContain(`<title>Thank you: your decision to decline ${l.reference} was received`);
    const question = await postForm(
      l.url,
      { ...offerForm(l.csrf), costGbp: "junk", type: "question", question: "Is there a sibling group?" },
      l.csrf,
    );
    expect(question.status).toBe(200);
    expect(await question.text()).toContain(`<title>Thank you: your question about ${l.reference} was received`);
    const rows = await responsesFor(l.deliveryId);
    expect(rows.map((r) => r.type).sort()).toEqual(["decline", "question"]);
    expect((await eventsFor(l.id)).map((e) => e.responseId).sort()).toEqual(rows.map((r) => r.id).sort());
    expect(rows.find((r) => r.type === "decline")).toMatchObject({
      declineReason: "outside_area",
      notes: "We are in the north.",
      weeklyCostPence: null,
    });
  });

  it("re-renders an invalid offer with 400, the error beside the field and the values kept", async () => {
    const l = await link();
    const res = await postForm(
      l.url,
      { ...offerForm(l.csrf), costGbp: "about 2k", needsMet: 'Carers <trained> in "PACE"' },
      l.csrf,
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("<title>Error: Respond to referral");
    expect(html).toMatch(/<div class="error-summary" role="alert"[^>]*>/);
    expect(html).toContain('<a href="#costGbp">Enter the cost in pounds, like 1850 or 1850.50</a>');
    // The message sits in the cost field's group, right before the input that points at it.
    const group =
      /<div class="form-group form-group--error">\s*<label class="label" for="costGbp">[\s\S]*?<\/div>\s*<\/div>/.exec(
        html,
      )?.[0];
    expect(group).toContain(
      '<p class="error-message" id="costGbp-error"><span class="visually-hidden">Error:</span> Enter the cost in pounds',
    );
    expect(group).toContain('value="about 2k" aria-describedby="costGbp-hint costGbp-error" aria-invalid="true"');
    // Everything typed is kept (escaped) and the chosen type stays chosen.
    expect(html).toContain("Carers &lt;trained&gt; in &quot;PACE&quot;</textarea>");
    expect(html).toContain('value="2026-12-01"');
    expect(html).toMatch(/id="type-offer" name="type" value="offer" aria-describedby="type-offer-hint" checked>/);
    expect(html).not.toContain('id="startDate-error"');
    expect(await responsesFor(l.deliveryId)).toHaveLength(0);
    expect(await eventsFor(l.id)).toHaveLength(0);
  });

  it("says an offer cannot start in the past, beside the start date", async () => {
    const l = await link();
    const res = await postForm(l.url, { ...offerForm(l.csrf), startDate: "22/11/2026" }, l.csrf);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('<a href="#startDate">The start date cannot be in the past (today is fine)</a>');
    expect(html).toContain('id="startDate-error"');
    expect(await responsesFor(l.deliveryId)).toHaveLength(0);
  });

  it("takes the home's postcode district, refusing a full postcode beside the field", async () => {
    const l = await link();
    const page = await (await fetch(l.url)).text();
    expect(page).toContain('id="placementDistrict"');
    const refused = await postForm(l.url, { ...offerForm(l.csrf), placementDistrict: "LS6 2AB" }, l.csrf);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain(
      '<a href="#placementDistrict">The postcode district must be a postcode district, like LS6 (the first half of a postcode)</a>',
    );
    expect(await responsesFor(l.deliveryId)).toHaveLength(0);
    const ok = await postForm(l.url, { ...offerForm(l.csrf), placementDistrict: " ls6 " }, l.csrf);
    expect(ok.status).toBe(200);
    expect((await responsesFor(l.deliveryId))[0]?.placementDistrict).toBe("LS6");
    // Coming back, the form is filled in with it, to revise the offer.
    expect(await (await fetch(l.url)).text()).toMatch(
      /id="placementDistrict"[^>]*value="LS6"|value="LS6"[^>]*id="placementDistrict"/,
    );
  });

  it("asks for a choice, and for the chosen type's required fields", async () => {
    const l = await link();
    const none = await postForm(l.url, { csrf: l.csrf }, l.csrf);
    expect(none.status).toBe(400);
    expect(await none.text()).toContain(
      '<a href="#type-offer">Choose whether to offer a placement, decline or ask a question</a>',
    );
    const empty = await postForm(l.url, { csrf: l.csrf, type: "offer" }, l.csrf);
    const html = await empty.text();
    for (const [id, message] of [
      ["costGbp", "Enter the cost"],
      ["startDate", "Enter the earliest start date"],
      ["needsMet", "Describe how you would meet the child&#39;s needs"],
    ]) {
      expect(html).toContain(`<a href="#${id}">${message}</a>`);
      expect(html).toContain(`id="${id}-error"`);
    }
    const decline = await postForm(l.url, { csrf: l.csrf, type: "decline", reason: "bored" }, l.csrf);
    expect(await decline.text()).toContain('<a href="#reason">Choose a reason from the list</a>');
    const tooLong = await postForm(l.url, { csrf: l.csrf, type: "question", question: "?".repeat(5001) }, l.csrf);
    expect(await tooLong.text()).toContain("Your question must be 5,000 characters or fewer");
    expect(await responsesFor(l.deliveryId)).toHaveLength(0);
    expect(await eventsFor(l.id)).toHaveLength(0);
  });

  it("shows pages for an unknown, expired or closed link and for a body over 64 KB", async () => {
    const unknown = await postForm(`${served.url}/r/${"C".repeat(43)}`, { csrf: "x" }, "x");
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("Page not found");

    const closed = await link();
    await db.round.updateMany({ where: { referralId: closed.id }, data: { closedAt: clock.now() } });
    const conflict = await postForm(closed.url, offerForm(closed.csrf), closed.csrf);
    expect(conflict.status).toBe(409);
    expect(await conflict.text()).toContain("no longer taking responses");

    const l = await link();
    const big = await postForm(l.url, { ...offerForm(l.csrf), offerNotes: "x".repeat(100 * 1024) }, l.csrf);
    expect(big.status).toBe(413);
    expect(big.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await big.text()).toContain("Your response is too long");
    expect(await responsesFor(l.deliveryId)).toHaveLength(0);
    expect(await eventsFor(l.id)).toHaveLength(0);
  });

  it("never logs a response token", async () => {
    const l = await link();
    await fetch(l.url);
    await postForm(l.url, offerForm(l.csrf), l.csrf);
    await postJson(l.url, { type: "question", question: "Logged?" });
    const all = lines.join("\n");
    expect(all).toContain("provider response stored");
    expect(all).not.toContain(l.token);
    expect(all).not.toContain(l.csrf);
  });
});
