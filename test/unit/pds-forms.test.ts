// The long referral form stays within each platform's limits, even filled in with every answer and an error on
// every field, and both platforms read the standard's answers back into the same core input.
import { describe, expect, it } from "vitest";
import { modalValuesToInput, moreDetailsModal, referralModal } from "../../adapters/slack/render-forms.js";
import { formToInput, referralFormCard } from "../../adapters/teams/render-forms.js";
import { PDS_FORM_FIELDS } from "../../src/domain/pds-form.js";
import { newReferralSchemaAt } from "../../src/domain/referral-input.js";

type Blocks = { blocks: { block_id?: string; type: string }[] };
const SLACK_BLOCKS_PER_VIEW = 100;
/** Adaptive Cards in Teams messages: 28 KB. */
const TEAMS_CARD_BYTES = 28_000;

/** Every standard question answered with its longest answer (a multi-select: every option). */
function longestAnswers(): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const f of PDS_FORM_FIELDS) {
    if (f.kind === "text") out[f.id] = "x".repeat(f.maxLength);
    else if (f.kind === "number") out[f.id] = String(f.max);
    else if (f.kind === "multi") out[f.id] = f.options.map((o) => o.value);
    else out[f.id] = f.options.at(-1)!.value;
  }
  return out;
}

const slackState = (answers: Record<string, string | string[]>) =>
  Object.fromEntries(
    Object.entries(answers).map(([id, a]) => [
      id,
      {
        v: Array.isArray(a)
          ? { selected_options: a.map((value) => ({ value })) }
          : /^\d+$/.test(a) || a.startsWith("x")
            ? { value: a }
            : { selected_option: { value: a } },
      },
    ]),
  );

describe("the long referral form", () => {
  it("Slack: each step is under 100 blocks, and a kept draft fills the inputs back in", () => {
    const draft = slackState(longestAnswers());
    for (const view of [referralModal(), moreDetailsModal(), referralModal(draft), moreDetailsModal(draft)])
      expect((view as Blocks).blocks.length).toBeLessThan(SLACK_BLOCKS_PER_VIEW);
    const more = JSON.stringify(moreDetailsModal(draft));
    expect(more).toContain('"initial_options"');
    expect(more).toContain('"initial_option"');
    expect(JSON.stringify(referralModal(draft))).toContain(`${PDS_FORM_FIELDS.length} answered`);
  });

  it("Teams: the card with every answer and an error on every field is under the card size limit", () => {
    const answers = longestAnswers();
    const values = Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v]));
    const fieldErrors = Object.fromEntries(PDS_FORM_FIELDS.map((f) => [f.id, ["x".repeat(300)]]));
    const card = referralFormCard("f", { values, fieldErrors });
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(TEAMS_CARD_BYTES);
    expect(Buffer.byteLength(JSON.stringify(referralFormCard("f")))).toBeLessThan(TEAMS_CARD_BYTES);
  });

  it("both platforms read the same answers into the same core input, which the core accepts", () => {
    const answers = longestAnswers();
    const teamsValues = Object.fromEntries(
      Object.entries(answers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v]),
    );
    const fromSlack = modalValuesToInput(slackState(answers));
    const fromTeams = formToInput(teamsValues);
    expect(fromSlack.profile.pds).toEqual(fromTeams.profile.pds);
    expect(fromSlack.restricted).toMatchObject({ preferredLocation: "x".repeat(500) });
    const core = { ...fromTeams.profile, lotNumber: 2, ageYears: 14, gender: "female", ehcp: false } as const;
    const parsed = newReferralSchemaAt("2026-11-23").safeParse({
      profile: {
        ...core,
        legalStatus: "s31",
        area: "PE1",
        urgency: "standard",
        requiredBy: "2026-12-15",
        summary: "Calm home.",
      },
      restricted: { ...fromTeams.restricted, childName: "A Child", dateOfBirth: "2012-05-01" },
    });
    expect(parsed.error?.issues).toBeUndefined();
    expect(parsed.data?.profile.pds).toMatchObject({
      siblingsToPlaceWith: 10,
      deprivationOfLiberty: false,
      suitability: { foster: "not_specified" },
      risksToChild: expect.arrayContaining(["self_harm", "going_missing"]),
    });
  });
});
