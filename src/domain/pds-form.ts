// The Placements Data Standard's part of the referral form, platform-neutral: both chat forms (Slack's "more
// details" step, Teams' "more details" section) draw their inputs from this list and read the answers back with
// pdsInputOf, so the two platforms ask the same questions, in the same words, and the core parses the same shape.
// Field ids are the core's field paths, so its field errors map straight back to the inputs.
import {
  ADDITIONAL_SUPPORT,
  ADDITIONAL_SUPPORT_LABELS,
  CARE_SETTING_LABELS,
  CARE_SETTINGS,
  CARED_FOR_ALONGSIDE,
  CARED_FOR_ALONGSIDE_LABELS,
  COMMUNICATION_NEED_LABELS,
  COMMUNICATION_NEEDS,
  CULTURAL_NEEDS,
  CULTURAL_NEEDS_LABELS,
  optionsOf,
  PETS,
  PETS_LABELS,
  PLACEMENT_NEEDED,
  PLACEMENT_NEEDED_LABELS,
  RISK_TO_CHILD_LABELS,
  RISK_TO_OTHERS_LABELS,
  RISKS_TO_CHILD,
  RISKS_TO_OTHERS,
  SUITABILITY,
  SUITABILITY_LABELS,
} from "./pds.js";
import { DETAIL_MAX, SIBLINGS_MAX } from "./pds-input.js";

type Option = { value: string; label: string };
export type PdsFormField =
  | { id: string; label: string; kind: "select" | "multi"; options: Option[] }
  | { id: string; label: string; kind: "number"; min: number; max: number }
  | { id: string; label: string; kind: "text"; maxLength: number };

const YES_NO: Option[] = [
  { value: "yes", label: "Yes" },
  { value: "no", label: "No" },
];
const select = (id: string, label: string, options: Option[]): PdsFormField => ({ id, label, kind: "select", options });
const multi = (id: string, label: string, options: Option[]): PdsFormField => ({ id, label, kind: "multi", options });
const text = (id: string, label: string, maxLength = DETAIL_MAX): PdsFormField => ({
  id,
  label,
  kind: "text",
  maxLength,
});

/** Grouped as the standard groups them; every field is optional (left out, the core's default applies). */
export const PDS_FORM_SECTIONS: { title: string; note?: string; fields: PdsFormField[] }[] = [
  {
    title: "Placement availability",
    fields: [
      select(
        "profile.pds.placementNeeded",
        "When is the placement needed (left empty: from the required-by date)",
        optionsOf(PLACEMENT_NEEDED, PLACEMENT_NEEDED_LABELS),
      ),
      {
        id: "profile.pds.siblingsToPlaceWith",
        label: "Siblings to place with",
        kind: "number",
        min: 0,
        max: SIBLINGS_MAX,
      },
      text("restricted.preferredLocation", "Preferred location for the home search (restricted)", 500),
    ],
  },
  {
    title: "Placement requirements",
    note: "The choices are shared with providers; the free-text details are restricted (ART only).",
    fields: [
      multi(
        "profile.pds.communicationNeeds",
        "Communication and language needs",
        optionsOf(COMMUNICATION_NEEDS, COMMUNICATION_NEED_LABELS),
      ),
      text("restricted.communicationDetail", "Communication needs: details (restricted)"),
      select("profile.pds.adaptationsToHome", "Adaptations to the home needed", YES_NO),
      text("restricted.adaptationsDetail", "Adaptations: details (restricted)"),
      select(
        "profile.pds.culturalNeeds",
        "Cultural needs (e.g. place of worship)",
        optionsOf(CULTURAL_NEEDS, CULTURAL_NEEDS_LABELS),
      ),
      text("restricted.culturalNeedsDetail", "Cultural needs: details (restricted)"),
      select(
        "profile.pds.caredForAlongside",
        "Who can the child be cared for alongside",
        optionsOf(CARED_FOR_ALONGSIDE, CARED_FOR_ALONGSIDE_LABELS),
      ),
      select("profile.pds.pets", "Can the child live with pets", optionsOf(PETS, PETS_LABELS)),
      multi(
        "profile.pds.additionalSupport",
        "Additional support",
        optionsOf(ADDITIONAL_SUPPORT, ADDITIONAL_SUPPORT_LABELS),
      ),
      text("restricted.additionalSupportDetail", "Additional support: details (restricted)"),
      select("profile.pds.deprivationOfLiberty", "Deprivation of Liberty order", YES_NO),
    ],
  },
  {
    title: "Placement recommendation",
    fields: CARE_SETTINGS.map((s) =>
      select(
        `profile.pds.suitability.${s}`,
        `${CARE_SETTING_LABELS[s]} suitability`,
        optionsOf(SUITABILITY, SUITABILITY_LABELS),
      ),
    ),
  },
  {
    title: "Risks",
    note: "Tick the risks present; the others are recorded as no known risk. Describe them under Risks (restricted).",
    fields: [
      multi("profile.pds.risksToChild", "Risks to the child", optionsOf(RISKS_TO_CHILD, RISK_TO_CHILD_LABELS)),
      multi(
        "profile.pds.risksToOthers",
        "Risks to others or property",
        optionsOf(RISKS_TO_OTHERS, RISK_TO_OTHERS_LABELS),
      ),
    ],
  },
];
export const PDS_FORM_FIELDS: PdsFormField[] = PDS_FORM_SECTIONS.flatMap((s) => s.fields);

/** An answer as a form gives it: a string, or a list for a multi-select. Missing or empty: not answered. */
export type FormAnswer = string | readonly string[] | undefined;

/**
 * The answers as the core's input: { profile: { pds }, restricted: {...} } parts to spread into NewReferral.
 * Unanswered fields are left out, so the core's defaults apply.
 */
export function pdsInputOf(answer: (id: string) => FormAnswer): {
  pds: Record<string, unknown>;
  restricted: Record<string, string>;
} {
  const pds: Record<string, unknown> = {};
  const restricted: Record<string, string> = {};
  for (const f of PDS_FORM_FIELDS) {
    const a = answer(f.id);
    if (a === undefined || a === "" || (Array.isArray(a) && a.length === 0 && f.kind !== "multi")) continue;
    const [root, , ...rest] = f.id.split(".");
    let value: unknown = a;
    if (f.kind === "multi")
      value =
        typeof a === "string"
          ? a
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean)
          : [...a];
    else if (f.kind === "select" && f.options === YES_NO) value = a === "yes";
    else if (f.kind === "number") value = Number(a);
    if (root === "restricted") {
      restricted[f.id.slice("restricted.".length)] = String(value);
      continue;
    }
    // profile.pds.<field> or profile.pds.suitability.<setting>
    if (rest.length === 2) {
      const group = (pds[rest[0]!] ?? {}) as Record<string, unknown>;
      group[rest[1]!] = value;
      pds[rest[0]!] = group;
    } else pds[rest[0]!] = value;
  }
  return { pds, restricted };
}
