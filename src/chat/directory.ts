// What the service remembers about chat platforms between requests: where a conversation is reached (a
// proactive post must go to the regional service the platform told us about) and staff display names (so a
// thread can say who approved on platforms whose user ids are not mentions). PostgreSQL, so every worker sees it.
import type { Db } from "../db.js";
import type { Platform } from "./port.js";

export interface ConversationRef {
  channelId: string;
  serviceUrl: string;
  tenantId?: string;
}

export class ChatDirectory {
  // Activities arrive often; the same facts are written at most once per process per value.
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly platform: Platform,
  ) {}

  async rememberConversation(ref: ConversationRef): Promise<void> {
    const key = `c:${ref.channelId}`;
    const value = `${ref.serviceUrl}|${ref.tenantId ?? ""}`;
    if (this.seen.get(key) === value) return;
    const data = { serviceUrl: ref.serviceUrl, tenantId: ref.tenantId ?? null };
    await this.db.chatConversation.upsert({
      where: { platform_channelId: { platform: this.platform, channelId: ref.channelId } },
      create: { platform: this.platform, channelId: ref.channelId, ...data },
      update: data,
    });
    this.seen.set(key, value);
  }

  async conversation(channelId: string): Promise<ConversationRef | undefined> {
    const row = await this.db.chatConversation.findUnique({
      where: { platform_channelId: { platform: this.platform, channelId } },
    });
    return row
      ? { channelId, serviceUrl: row.serviceUrl, ...(row.tenantId ? { tenantId: row.tenantId } : {}) }
      : undefined;
  }

  /** `mri`: Teams' id of the person in conversations ("29:..."), which per-user cards and 1:1 chats need. */
  async rememberUser(userId: string, displayName: string, mri?: string): Promise<void> {
    const name = displayName.trim().slice(0, 200);
    const key = `u:${userId}`;
    const value = `${name}|${mri ?? ""}`;
    if (!name || this.seen.get(key) === value) return;
    await this.db.chatUser.upsert({
      where: { platform_userId: { platform: this.platform, userId } },
      create: { platform: this.platform, userId, displayName: name, ...(mri ? { mri } : {}) },
      update: { displayName: name, ...(mri ? { mri } : {}) },
    });
    this.seen.set(key, value);
  }

  /** Conversation ids ("29:...") by user id, for those the platform has told us about. */
  async mrisOf(userIds: string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.db.chatUser.findMany({
      where: { platform: this.platform, userId: { in: [...new Set(userIds)] }, mri: { not: null } },
      select: { userId: true, mri: true },
    });
    return new Map(rows.map((r) => [r.userId, r.mri!]));
  }

  /** The tenant of the conversation the platform last told us about (a single-tenant bot has one). */
  async lastTenant(): Promise<string | undefined> {
    const row = await this.db.chatConversation.findFirst({
      where: { platform: this.platform, tenantId: { not: null } },
      orderBy: { updatedAt: "desc" },
      select: { tenantId: true },
    });
    return row?.tenantId ?? undefined;
  }

  /** Display names by user id (platform-local ids, without the "teams:" prefix). */
  async namesOf(userIds: string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.db.chatUser.findMany({
      where: { platform: this.platform, userId: { in: [...new Set(userIds)] } },
    });
    return new Map(rows.map((r) => [r.userId, r.displayName]));
  }
}
