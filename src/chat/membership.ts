// Who is ART, and who is a senior approver, on a chat platform: listed user ids from config, plus the members
// of a group the platform keeps (a Slack user group, an Entra group) when one is configured. Group members are
// fetched through the adapter and kept for a few minutes. If a group cannot be read and nothing is cached, the
// person counts as not in it: the service fails closed, and the refusal is audited as usual.
// Raising referrals works the same way: when raisers are configured (ids or a group), only they and ART may
// raise; when neither is, anyone who can reach the bot may, as before.
import type { Logger } from "../logger.js";
import type { Actor } from "../ports.js";
import type { Platform } from "./port.js";

export interface MembershipOptions {
  platform: Platform;
  artUserIds: string[];
  seniorUserIds: string[];
  artGroupId?: string;
  seniorGroupId?: string;
  /** Who may raise referrals besides ART; both unset = anyone. */
  raiserUserIds?: string[];
  raiserGroupId?: string;
  /** Reads a group's members (platform user ids) from the platform. */
  groupMembers(groupId: string): Promise<string[]>;
  logger: Logger;
  ttlMs?: number;
  now?: () => number;
}

export class Membership {
  private readonly cache = new Map<string, { members: Set<string>; at: number }>();
  private readonly inflight = new Map<string, Promise<Set<string> | undefined>>();

  constructor(private readonly o: MembershipOptions) {}

  async actorOf(userId: string): Promise<Actor> {
    const raisers = this.o.raiserUserIds ?? [];
    const restricted = raisers.length > 0 || Boolean(this.o.raiserGroupId);
    const [inArtGroup, inSeniorGroup, inRaiserGroup] = await Promise.all([
      this.inGroup(this.o.artGroupId, userId),
      this.inGroup(this.o.seniorGroupId, userId),
      this.inGroup(this.o.raiserGroupId, userId),
    ]);
    const senior = this.o.seniorUserIds.includes(userId) || inSeniorGroup;
    // A senior approver is ART by definition.
    const art = this.o.artUserIds.includes(userId) || inArtGroup || senior;
    return {
      id: `${this.o.platform}:${userId}`,
      art,
      senior,
      mayRaise: !restricted || art || raisers.includes(userId) || inRaiserGroup,
    };
  }

  /**
   * Everyone in a role: the listed ids and the group's members (a senior approver is ART too). A group that cannot
   * be read adds nobody (fail closed), as for actorOf.
   */
  async membersOf(role: "art" | "senior"): Promise<string[]> {
    const [seniorGroup, artGroup] = await Promise.all([
      this.o.seniorGroupId ? this.members(this.o.seniorGroupId) : undefined,
      role === "art" && this.o.artGroupId ? this.members(this.o.artGroupId) : undefined,
    ]);
    const ids = new Set([...this.o.seniorUserIds, ...(seniorGroup ?? [])]);
    if (role === "art") for (const id of [...this.o.artUserIds, ...(artGroup ?? [])]) ids.add(id);
    return [...ids];
  }

  private async inGroup(groupId: string | undefined, userId: string): Promise<boolean> {
    if (!groupId) return false;
    return (await this.members(groupId))?.has(userId) ?? false;
  }

  private async members(groupId: string): Promise<Set<string> | undefined> {
    const now = (this.o.now ?? Date.now)();
    const cached = this.cache.get(groupId);
    if (cached && now - cached.at < (this.o.ttlMs ?? 5 * 60_000)) return cached.members;
    let pending = this.inflight.get(groupId);
    if (!pending) {
      pending = this.o
        .groupMembers(groupId)
        .then((ids) => {
          const members = new Set(ids);
          this.cache.set(groupId, { members, at: now });
          return members;
        })
        .catch((err: Error) => {
          this.o.logger.warn(
            { platform: this.o.platform, groupId, error: err.message.slice(0, 200) },
            "could not read group members; using the last known list",
          );
          return cached?.members;
        })
        .finally(() => this.inflight.delete(groupId));
      this.inflight.set(groupId, pending);
    }
    return pending;
  }
}
