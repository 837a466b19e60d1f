// The demo's provider directory: the sample providers (test/fixtures/providers.csv) with every webhook pointed
// at the demo's local endpoints, the same on every start. A webhook provider's endpoint is /p/<key>, the key
// being its sample webhook URL's host name, and it keeps its sample signing secret; so importing again finds the
// providers it made before (providers without an Ofsted URN or email are known by their webhook URL) and
// changes nothing. If DEMO_WEBHOOK_PORT moved, the earlier URLs are re-pointed first, in one transaction; so are
// those an earlier version of the demo made (/p/<provider id> on a random port), found by the provider's name.
import type { Db } from "../db.js";
import { ensureLots } from "../providers/directory.js";
import { importProviders, readProviderCsv } from "../providers/import.js";
import { writeAudit } from "../referrals/audit.js";
import type { DemoProvider } from "./demo-providers.js";

/** The demo's webhook URLs, whatever port they were made with. */
const DEMO_WEBHOOK = /^http:\/\/127\.0\.0\.1:\d+\/p\/(.+)$/;

export interface DemoDirectory {
  webhookProviders: DemoProvider[];
  /** Email providers by address (lower case). */
  emailProviders: Map<string, { index: number; name: string }>;
}

const keyOf = (sampleWebhookUrl: string) => new URL(sampleWebhookUrl).hostname;

export async function setUpDemoDirectory(
  db: Db,
  o: { csvPath: string; webhookUrlFor: (key: string) => string },
): Promise<DemoDirectory> {
  // Who is who, by the order of the sample file (which decides how each answers).
  const { valid } = await readProviderCsv(o.csvPath);
  await ensureLots(db);
  const keyByName = new Map(valid.flatMap(({ row }) => (row.webhookUrl ? [[row.name, keyOf(row.webhookUrl)]] : [])));
  await repointEarlierWebhooks(db, o.webhookUrlFor, keyByName);
  const local = (record: Record<string, string>) =>
    record.webhook_url ? { ...record, webhook_url: o.webhookUrlFor(keyOf(record.webhook_url)) } : record;
  const report = await importProviders(db, o.csvPath, {
    actor: "demo",
    transform: local,
    // The demo is development only: its providers are pointed at loopback endpoints of its own.
    allowLoopback: true,
  });
  if (report.rejected.length)
    throw new Error(`The demo's providers file has ${report.rejected.length} rejected rows: ${o.csvPath}`);

  const webhookProviders: DemoProvider[] = [];
  const emailProviders = new Map<string, { index: number; name: string }>();
  for (const [index, { row }] of valid.entries()) {
    if (row.webhookUrl && row.webhookSecret)
      webhookProviders.push({ key: keyOf(row.webhookUrl), name: row.name, secret: row.webhookSecret, index });
    else if (row.email) emailProviders.set(row.email.toLowerCase(), { index, name: row.name });
  }
  return { webhookProviders, emailProviders };
}

async function repointEarlierWebhooks(
  db: Db,
  webhookUrlFor: (key: string) => string,
  keyByName: Map<string, string>,
): Promise<void> {
  const sampleKeys = new Set(keyByName.values());
  await db.$transaction(async (tx) => {
    const earlier = await tx.provider.findMany({
      where: { webhookUrl: { startsWith: "http://127.0.0.1:" } },
      select: { id: true, name: true, webhookUrl: true },
    });
    let moved = 0;
    for (const p of earlier) {
      const path = DEMO_WEBHOOK.exec(p.webhookUrl ?? "")?.[1];
      const key = path && sampleKeys.has(decodeURIComponent(path)) ? decodeURIComponent(path) : keyByName.get(p.name);
      const now = path && key && webhookUrlFor(key);
      if (!now || now === p.webhookUrl) continue;
      await tx.provider.update({ where: { id: p.id }, data: { webhookUrl: now } });
      moved++;
    }
    if (moved) await writeAudit(tx, { actor: "demo", action: "demo.webhooks_repointed", detail: { moved } });
  });
}
