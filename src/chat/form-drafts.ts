// A half-filled referral form, kept when the person closes it so the next opening starts where they left off
// (the Slack form is long and in two steps). It can hold restricted details (the child's name), so it is
// encrypted with the restricted-data key, bound to its platform and user, and kept for a day only. Redis may lose
// it: a lost draft costs retyping, never a referral (PostgreSQL holds those).
import { decryptJson, encryptJson, type KeyRing } from "../domain/crypto.js";
import type { Redis } from "../redis.js";
import type { Platform } from "./port.js";

/** How long a closed form's answers are kept. */
export const DRAFT_TTL_SECONDS = 24 * 60 * 60;

export type DraftValues = Record<string, unknown>;

export class FormDrafts {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly keyRing: KeyRing,
  ) {}

  private key = (platform: Platform, userId: string) => `${this.prefix}:form-draft:${platform}:${userId}`;
  private aad = (platform: Platform, userId: string) => `form-draft:${platform}:${userId}`;

  /** Merges these answers into the person's draft (a later step's answers join the first step's). */
  async save(platform: Platform, userId: string, values: DraftValues): Promise<void> {
    const merged = { ...(await this.load(platform, userId)), ...values };
    const envelope = encryptJson(this.keyRing, merged, this.aad(platform, userId));
    await this.redis.set(this.key(platform, userId), envelope, "EX", DRAFT_TTL_SECONDS);
  }

  /** The person's draft, or {} (none, expired, or written with a key since retired). */
  async load(platform: Platform, userId: string): Promise<DraftValues> {
    const envelope = await this.redis.get(this.key(platform, userId));
    if (!envelope) return {};
    try {
      return decryptJson(this.keyRing, envelope, this.aad(platform, userId)) as DraftValues;
    } catch {
      return {};
    }
  }

  async clear(platform: Platform, userId: string): Promise<void> {
    await this.redis.del(this.key(platform, userId));
  }
}
