// One vocabulary: need codes and lot names are defined in src/domain/vocabulary.ts only, and every form offers
// exactly those (the Slack form's name for lot 3 once drifted from the core's).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { referralModal } from "../../adapters/slack/render-forms.js";
import { referralFormCard } from "../../adapters/teams/render-forms.js";
import { LOT_NAMES, NEED_CODES, STANDARD_LOTS } from "../../src/domain/vocabulary.js";

const root = new URL("../..", import.meta.url).pathname;
const OWNER = "src/domain/vocabulary.ts";

type Block = { block_id?: string; element?: { options?: { value: string; text: { text: string } }[] } };
const slackOptions = (blockId: string) =>
  ((referralModal().blocks as Block[]).find((b) => b.block_id === blockId)?.element?.options ?? []).map((o) => ({
    value: o.value,
    label: o.text.text,
  }));
type Input = { id?: string; choices?: { value: string; title: string }[] };
const teamsOptions = (id: string) =>
  ((referralFormCard("f").body as Input[]).find((e) => e.id === id)?.choices ?? []).map((c) => ({
    value: c.value,
    label: c.title,
  }));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "generated" || name === "node_modules") return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|html)$/.test(name) ? [path] : [];
  });
}

describe("one vocabulary", () => {
  it("the Slack and Teams forms offer exactly the core's lots and need codes", () => {
    const lots = STANDARD_LOTS.map((l) => ({ value: String(l.number), label: `${l.number} ${l.name}` }));
    expect(slackOptions("profile.lotNumber")).toEqual(lots);
    expect(teamsOptions("profile.lotNumber")).toEqual(lots);
    for (const options of [slackOptions("profile.needCodes"), teamsOptions("profile.needCodes")]) {
      expect(options.map((o) => o.value)).toEqual([...NEED_CODES]);
      // Each need shows its code first, so people who know the codes find them at once.
      expect(options.every((o, i) => o.label.startsWith(`${NEED_CODES[i]}: `))).toBe(true);
    }
  });

  it("no other file under src/ or adapters/ spells out a lot name or the list of need codes", () => {
    const offenders: string[] = [];
    for (const file of [...sourceFiles(join(root, "src")), ...sourceFiles(join(root, "adapters"))]) {
      const rel = relative(root, file);
      if (rel === OWNER) continue;
      const text = readFileSync(file, "utf8");
      for (const name of Object.values(LOT_NAMES)) if (text.includes(name)) offenders.push(`${rel}: ${name}`);
      // A need list: three or more codes as string literals in one file.
      const quoted = NEED_CODES.filter((c) => new RegExp(`["'\`]${c}["'\`]`).test(text));
      if (quoted.length >= 3) offenders.push(`${rel}: need codes ${quoted.join(", ")}`);
    }
    expect(offenders).toEqual([]);
  });
});
