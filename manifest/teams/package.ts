// `npm run teams:package`: fills in manifest.json from the environment, validates it (the fields and limits
// Teams checks on upload, and the icons' sizes), and writes dist/teams-app.zip for a Teams admin to upload.
// No network, no Microsoft tool: the zip is written here (stored entries, CRC from node:zlib).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { crc32 } from "node:zlib";
import { z } from "zod";

const HERE = import.meta.dirname;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const manifestSchema = z.object({
  manifestVersion: z.literal("1.22"),
  version: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a semantic version"),
  id: z.string().regex(GUID, "must be the bot's Entra app (client) id, a GUID"),
  developer: z.object({
    name: z.string().min(1).max(32),
    websiteUrl: z.url({ protocol: /^https$/ }),
    privacyUrl: z.url({ protocol: /^https$/ }),
    termsOfUseUrl: z.url({ protocol: /^https$/ }),
  }),
  name: z.object({ short: z.string().min(1).max(30), full: z.string().max(100) }),
  description: z.object({ short: z.string().min(1).max(80), full: z.string().min(1).max(4000) }),
  icons: z.object({ color: z.literal("color.png"), outline: z.literal("outline.png") }),
  accentColor: z.string().regex(/^#[0-9A-Fa-f]{6}$/),
  bots: z
    .array(
      z.object({
        botId: z.string().regex(GUID, "must be a GUID"),
        scopes: z.array(z.enum(["personal", "team", "groupChat"])).refine((s) => s.includes("team") && s.includes("personal"), "needs personal and team"),
        commandLists: z.array(
          z.object({
            scopes: z.array(z.string()),
            commands: z.array(z.object({ title: z.string().min(1).max(32), description: z.string().min(1).max(128) })).max(10),
          }),
        ),
      }),
    )
    .length(1),
  validDomains: z.array(z.string().regex(/^(\*\.)?[a-z0-9.-]+(:\d+)?$/i, "must be a host name without https://")).min(1),
});

/** PNG width and height from the IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  if (png.subarray(1, 4).toString("latin1") !== "PNG") throw new Error("not a PNG");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** A zip of stored (uncompressed) entries: enough for a Teams app package. */
export function zip(files: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name);
    const crc = crc32(f.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(f.data.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(f.data.length, 20);
    central.writeUInt32LE(f.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, f.data);
    centrals.push(central, name);
    offset += local.length + name.length + f.data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

export function buildTeamsPackage(env: NodeJS.ProcessEnv, outFile: string): { manifest: unknown; problems: string[] } {
  const base = env.PUBLIC_BASE_URL?.replace(/\/+$/, "") ?? "";
  const values: Record<string, string> = {
    TEAMS_CLIENT_ID: env.TEAMS_CLIENT_ID ?? "",
    TEAMS_PUBLISHER_NAME: env.TEAMS_PUBLISHER_NAME ?? "Council Access to Resources Team",
    PUBLIC_BASE_URL: base,
    // The council's own privacy notice and terms pages (Teams requires both).
    TEAMS_PRIVACY_URL: env.TEAMS_PRIVACY_URL ?? `${base}/privacy`,
    TEAMS_TERMS_URL: env.TEAMS_TERMS_URL ?? `${base}/terms`,
    PUBLIC_HOSTNAME: base ? new URL(base).host : "",
  };
  const text = readFileSync(join(HERE, "manifest.json"), "utf8").replace(/\$\{\{(\w+)\}\}/g, (_, k: string) =>
    JSON.stringify(values[k] ?? "").slice(1, -1),
  );
  const manifest = JSON.parse(text) as unknown;
  const problems: string[] = [];
  const parsed = manifestSchema.safeParse(manifest);
  if (!parsed.success) for (const i of parsed.error.issues) problems.push(`${i.path.join(".")}: ${i.message}`);
  const color = readFileSync(join(HERE, "color.png"));
  const outline = readFileSync(join(HERE, "outline.png"));
  const c = pngSize(color);
  const o = pngSize(outline);
  if (c.width !== 192 || c.height !== 192) problems.push("color.png: must be 192x192");
  if (o.width !== 32 || o.height !== 32) problems.push("outline.png: must be 32x32");
  if (problems.length) return { manifest, problems };
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(
    outFile,
    zip([
      { name: "manifest.json", data: Buffer.from(JSON.stringify(manifest, null, 2)) },
      { name: "color.png", data: color },
      { name: "outline.png", data: outline },
    ]),
  );
  return { manifest, problems };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const out = join(HERE, "../../dist/teams-app.zip");
  const { problems } = buildTeamsPackage(process.env, out);
  if (problems.length) {
    process.stderr.write(`The Teams app package was not built:\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
    process.exit(2);
  }
  process.stdout.write(`Wrote ${out}: upload it in Teams admin centre > Teams apps > Manage apps > Upload.\n`);
}
