// The Teams app package: filled in from the environment, validated like Teams validates an upload, zipped.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { expect, it } from "vitest";
import { buildTeamsPackage } from "../../manifest/teams/package.js";

/** Reads a zip of stored entries back: name -> bytes, checking each entry's CRC. */
function unzip(buf: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let at = 0;
  while (buf.readUInt32LE(at) === 0x04034b50) {
    const crc = buf.readUInt32LE(at + 14);
    const size = buf.readUInt32LE(at + 18);
    const nameLength = buf.readUInt16LE(at + 26);
    const name = buf.subarray(at + 30, at + 30 + nameLength).toString();
    const data = buf.subarray(at + 30 + nameLength, at + 30 + nameLength + size);
    expect(crc32(data)).toBe(crc);
    files.set(name, data);
    at += 30 + nameLength + size;
  }
  return files;
}

const env = {
  TEAMS_CLIENT_ID: "0b1c2d3e-1111-4222-8333-444455556666",
  PUBLIC_BASE_URL: "https://referrals.example-council.gov.uk",
  TEAMS_PRIVACY_URL: "https://www.example-council.gov.uk/privacy",
};

it("builds the upload zip with the bot id, the command list and both icons", () => {
  const out = join(mkdtempSync(join(tmpdir(), "teams-")), "app.zip");
  const { problems } = buildTeamsPackage(env, out);
  expect(problems).toEqual([]);
  const files = unzip(readFileSync(out));
  expect([...files.keys()]).toEqual(["manifest.json", "color.png", "outline.png"]);
  const manifest = JSON.parse(String(files.get("manifest.json")));
  expect(manifest.id).toBe(env.TEAMS_CLIENT_ID);
  expect(manifest.bots[0].botId).toBe(env.TEAMS_CLIENT_ID);
  expect(manifest.bots[0].scopes).toEqual(["personal", "team"]);
  expect(manifest.bots[0].commandLists[0].commands[0].title).toBe("new referral");
  expect(manifest.validDomains).toEqual(["referrals.example-council.gov.uk"]);
  expect(manifest.developer.privacyUrl).toBe(env.TEAMS_PRIVACY_URL);
  expect(files.get("color.png")!.readUInt32BE(16)).toBe(192);
  expect(files.get("outline.png")!.readUInt32BE(16)).toBe(32);
});

it("refuses to build without a bot id or over plain http, saying which field is wrong", () => {
  const out = join(mkdtempSync(join(tmpdir(), "teams-")), "app.zip");
  const { problems } = buildTeamsPackage({ PUBLIC_BASE_URL: "http://localhost:3000" }, out);
  expect(problems).toContain("id: must be the bot's Entra app (client) id, a GUID");
  expect(problems.some((p) => p.startsWith("developer.websiteUrl"))).toBe(true);
});
