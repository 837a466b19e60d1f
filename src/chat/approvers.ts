// Who can act on a platform, for the jobs that reach out to people (nudges) and for Teams' per-user cards: the
// same settings and groups the adapters use to decide who is ART (src/chat/membership.ts), read in the core.
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { Membership } from "./membership.js";
import type { ChatHomePort, Platform } from "./port.js";

export function membershipOf(
  config: Config,
  platform: Platform,
  chat: Pick<ChatHomePort, "groupMembers">,
  logger: Logger,
): Membership {
  const slack = platform === "slack";
  const artGroupId = slack ? config.SLACK_ART_USERGROUP_ID : config.TEAMS_ART_GROUP_ID;
  const seniorGroupId = slack ? config.SLACK_SENIOR_USERGROUP_ID : config.TEAMS_SENIOR_GROUP_ID;
  return new Membership({
    platform,
    artUserIds: slack ? config.SLACK_ART_USER_IDS : config.TEAMS_ART_USER_IDS,
    seniorUserIds: slack ? config.SLACK_SENIOR_USER_IDS : config.TEAMS_SENIOR_USER_IDS,
    ...(artGroupId ? { artGroupId } : {}),
    ...(seniorGroupId ? { seniorGroupId } : {}),
    groupMembers: (groupId) => chat.groupMembers(groupId),
    logger,
  });
}
