// The Placements Data Standard's broadcast categories in words, for every place a provider or ART reads them
// (email, chat card, response page): one wording, the standard's own labels.
import {
  ADDITIONAL_SUPPORT_LABELS,
  CARE_SETTING_LABELS,
  CARE_SETTINGS,
  CARED_FOR_ALONGSIDE_LABELS,
  COMMUNICATION_NEED_LABELS,
  CULTURAL_NEEDS_LABELS,
  NO_KNOWN_RISK,
  PETS_LABELS,
  PLACEMENT_NEEDED_LABELS,
  RISK_TO_CHILD_LABELS,
  RISK_TO_OTHERS_LABELS,
  SUITABILITY_LABELS,
} from "./pds.js";
import { type PdsProfile, pdsProfileSchema } from "./pds-input.js";

/** The stored JSON read back; anything that does not parse (a column written by a later version) is left out. */
export function pdsProfileOf(stored: unknown): PdsProfile | undefined {
  if (stored === null || stored === undefined) return undefined;
  const parsed = pdsProfileSchema.safeParse(stored);
  if (!parsed.success || !parsed.data.placementNeeded) return undefined;
  return parsed.data as PdsProfile;
}

const yesNo = (b: boolean) => (b ? "Yes" : "No");
const listOr = <T extends string>(list: readonly T[], labels: Readonly<Record<T, string>>, none: string) =>
  list.length ? list.map((v) => labels[v]).join(", ") : none;

/** Label and value, in the standard's order. */
export function pdsRows(p: PdsProfile): [label: string, value: string][] {
  return [
    ["Placement needed", PLACEMENT_NEEDED_LABELS[p.placementNeeded]],
    ["Siblings to place with", p.siblingsToPlaceWith ? String(p.siblingsToPlaceWith) : "None"],
    ["Communication and language", listOr(p.communicationNeeds, COMMUNICATION_NEED_LABELS, "None")],
    ["Adaptations to the home", yesNo(p.adaptationsToHome)],
    ["Cultural needs", CULTURAL_NEEDS_LABELS[p.culturalNeeds]],
    ["Cared for alongside", CARED_FOR_ALONGSIDE_LABELS[p.caredForAlongside]],
    ["Pets", PETS_LABELS[p.pets]],
    ["Additional support", listOr(p.additionalSupport, ADDITIONAL_SUPPORT_LABELS, "None")],
    ["Deprivation of Liberty order", yesNo(p.deprivationOfLiberty)],
    [
      "Suitability",
      CARE_SETTINGS.map((s) => `${CARE_SETTING_LABELS[s]}: ${SUITABILITY_LABELS[p.suitability[s]]}`).join("; "),
    ],
    ["Risks to the child", listOr(p.risksToChild, RISK_TO_CHILD_LABELS, NO_KNOWN_RISK)],
    ["Risks to others or property", listOr(p.risksToOthers, RISK_TO_OTHERS_LABELS, NO_KNOWN_RISK)],
  ];
}
