// Slack's and Microsoft Teams' settings, and the rules that hold between them (credentials together, one tenant,
// service URLs on the allow-list). Read as part of src/config.ts's one schema.
import { z } from "zod";
import { DEFAULT_SERVICE_URL_HOSTS, type ServiceUrlPolicy, serviceUrlAllowed } from "../chat/service-url.js";
import { bool, idList, isDevelopment, ONLY_IN_DEVELOPMENT } from "./fields.js";

export const chatSettings = {
  // Slack (all unset = Slack off). SLACK_API_URL points the Web API client elsewhere (tests: a local fake).
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-/, "must be a bot token (xoxb-...)")
    .optional(),
  SLACK_API_URL: z.url().default("https://slack.com/api/"),
  SLACK_REFERRALS_CHANNEL: z
    .string()
    .regex(/^[CG][A-Z0-9]+$/, "must be a channel id like C0123ABCD")
    .optional(),
  // ART members and senior approvers, as Slack user ids "U012,U034".
  SLACK_ART_USER_IDS: idList,
  SLACK_SENIOR_USER_IDS: idList,
  // Or Slack user groups (S0123...) whose members are ART / senior approvers (read with usergroups:read).
  SLACK_ART_USERGROUP_ID: z
    .string()
    .regex(/^S[A-Z0-9]+$/, "must be a user group id like S0123ABCD")
    .optional(),
  SLACK_SENIOR_USERGROUP_ID: z
    .string()
    .regex(/^S[A-Z0-9]+$/, "must be a user group id like S0123ABCD")
    .optional(),
  // Who may raise referrals from Slack: these user ids and the members of this user group (ART always may).
  // Both unset = anyone in the workspace, as before. A group that cannot be read counts as empty (fail closed).
  SLACK_RAISER_USER_IDS: idList,
  SLACK_RAISER_USERGROUP_ID: z
    .string()
    .regex(/^S[A-Z0-9]+$/, "must be a user group id like S0123ABCD")
    .optional(),
  // Microsoft Teams (off unless TEAMS_REFERRALS_CHANNEL is set). The bot's Entra app registration: client id
  // and secret always together, never an id alone (the SDK would then probe the cloud metadata address).
  TEAMS_CLIENT_ID: z.string().min(1).optional(),
  TEAMS_CLIENT_SECRET: z.string().min(1).optional(),
  // The one Entra tenant (directory id) whose Teams may talk to the bot: activities from any other tenant are
  // refused. Required with credentials: the SDK alone accepts a token from any tenant whose audience is the bot.
  TEAMS_TENANT_ID: z.uuid("must be the Entra directory (tenant) id, a GUID").optional(),
  // Hosts the bot may send to: an activity's serviceUrl is where replies (with the bot's token) go, so only
  // Microsoft's Bot Framework hosts are accepted. "host" or "*.domain", optionally ":port"; https in production.
  TEAMS_SERVICE_URL_HOSTS: idList
    .pipe(z.array(z.string()).min(1, "must list at least one host"))
    .prefault(DEFAULT_SERVICE_URL_HOSTS.join(",")),
  // Microsoft's cloud for token checks and the bot's own tokens (sovereign clouds: usgov, usgovdod, china).
  TEAMS_CLOUD: z.enum(["public", "usgov", "usgovdod", "china"]).default("public"),
  // Where inbound tokens' keys come from, when not the cloud's own (tests: a local OpenID metadata / JWKS
  // server). Bot Framework tokens: the OpenID metadata URL; Entra tokens: the login endpoint.
  TEAMS_OPENID_METADATA_URL: z.url().optional(),
  TEAMS_LOGIN_URL: z.url().optional(),
  // Development and tests only: accept unauthenticated activities on /api/messages. Refused in production.
  TEAMS_LOCAL_MODE: bool(false),
  // The Bot Framework service for conversations Teams has not told us about yet (tests and demo: local).
  TEAMS_SERVICE_URL: z.url().default("https://smba.trafficmanager.net/teams"),
  // The channel's conversation id, e.g. 19:abc...@thread.tacv2 (see the README for how to find it).
  TEAMS_REFERRALS_CHANNEL: z.string().min(3).optional(),
  // ART members and senior approvers as Entra (AAD) object ids.
  TEAMS_ART_USER_IDS: idList,
  TEAMS_SENIOR_USER_IDS: idList,
  // Or Entra groups whose members (nested too) are ART / senior approvers, read through Microsoft Graph.
  TEAMS_ART_GROUP_ID: z.uuid("must be an Entra group object id (a GUID)").optional(),
  TEAMS_SENIOR_GROUP_ID: z.uuid("must be an Entra group object id (a GUID)").optional(),
  TEAMS_GRAPH_URL: z.url().default("https://graph.microsoft.com"),
  // Who may raise referrals from Teams: these Entra object ids and the (nested) members of this Entra group
  // (ART always may). Both unset = anyone who can reach the bot, as before.
  TEAMS_RAISER_USER_IDS: idList,
  TEAMS_RAISER_GROUP_ID: z.uuid("must be an Entra group object id (a GUID)").optional(),
  // The daily digest's ART channel per platform; a platform without one (or without its chat settings) gets none.
  DIGEST_SLACK_CHANNEL: z
    .string()
    .regex(/^[CG][A-Z0-9]+$/, "must be a channel id like C0123ABCD")
    .optional(),
  DIGEST_TEAMS_CHANNEL: z.string().min(3).optional(),
};

const chatObject = z.object(chatSettings);
type ChatSettings = z.infer<typeof chatObject> & { NODE_ENV: string };

export function checkChatSettings(c: ChatSettings, ctx: z.RefinementCtx): void {
  const slack = [c.SLACK_SIGNING_SECRET, c.SLACK_BOT_TOKEN, c.SLACK_REFERRALS_CHANNEL];
  if (slack.some(Boolean) && !slack.every(Boolean)) {
    ctx.addIssue({
      code: "custom",
      path: ["SLACK_BOT_TOKEN"],
      message: "Slack needs SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and SLACK_REFERRALS_CHANNEL together",
    });
  }
  if (Boolean(c.TEAMS_CLIENT_ID) !== Boolean(c.TEAMS_CLIENT_SECRET)) {
    ctx.addIssue({
      code: "custom",
      path: ["TEAMS_CLIENT_SECRET"],
      message: "TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET go together (an id alone would try a managed identity)",
    });
  }
  const serviceUrls = teamsServiceUrlPolicy(c);
  if (c.TEAMS_REFERRALS_CHANNEL && !serviceUrlAllowed(c.TEAMS_SERVICE_URL, serviceUrls)) {
    ctx.addIssue({
      code: "custom",
      path: ["TEAMS_SERVICE_URL"],
      message: `its host is not in TEAMS_SERVICE_URL_HOSTS${c.NODE_ENV === "production" ? " (or it is not https)" : ""}`,
    });
  }
  if (c.NODE_ENV === "production") {
    for (const key of ["TEAMS_OPENID_METADATA_URL", "TEAMS_LOGIN_URL"] as const) {
      if (c[key] && !c[key].startsWith("https://")) {
        ctx.addIssue({ code: "custom", path: [key], message: "must be https in production" });
      }
    }
  }
  if (c.TEAMS_LOCAL_MODE && !isDevelopment(c)) {
    ctx.addIssue({
      code: "custom",
      path: ["TEAMS_LOCAL_MODE"],
      message: `local mode (unauthenticated activities) ${ONLY_IN_DEVELOPMENT}; set TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET instead`,
    });
  }
  if (c.TEAMS_LOCAL_MODE && c.TEAMS_CLIENT_ID) {
    ctx.addIssue({
      code: "custom",
      path: ["TEAMS_LOCAL_MODE"],
      message: "local mode and Teams credentials are exclusive: unset one",
    });
  }
  if (c.TEAMS_REFERRALS_CHANNEL && !c.TEAMS_CLIENT_ID && !c.TEAMS_LOCAL_MODE) {
    ctx.addIssue({
      code: "custom",
      path: ["TEAMS_CLIENT_ID"],
      message: "Teams needs TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET (or TEAMS_LOCAL_MODE=true for development)",
    });
  }
  if (c.TEAMS_CLIENT_ID && !c.TEAMS_TENANT_ID) {
    ctx.addIssue({
      code: "custom",
      path: ["TEAMS_TENANT_ID"],
      message: "Teams credentials need TEAMS_TENANT_ID: the bot trusts activities from this one tenant only",
    });
  }
}

/** Which service URLs the bot may store and send to (see src/chat/service-url.ts). */
export function teamsServiceUrlPolicy(
  c: Pick<ChatSettings, "TEAMS_SERVICE_URL_HOSTS" | "NODE_ENV" | "TEAMS_LOCAL_MODE">,
): ServiceUrlPolicy {
  return {
    hosts: c.TEAMS_SERVICE_URL_HOSTS,
    httpsOnly: c.NODE_ENV === "production",
    allowLoopback: c.TEAMS_LOCAL_MODE,
  };
}

/** Teams' settings when Teams is on, else undefined. */
export function teamsSettings(c: ChatSettings) {
  if (!c.TEAMS_REFERRALS_CHANNEL) return undefined;
  return {
    // The refinement above guarantees the tenant whenever there are credentials.
    ...(c.TEAMS_CLIENT_ID && c.TEAMS_CLIENT_SECRET && c.TEAMS_TENANT_ID
      ? {
          credentials: {
            clientId: c.TEAMS_CLIENT_ID,
            clientSecret: c.TEAMS_CLIENT_SECRET,
            tenantId: c.TEAMS_TENANT_ID,
          },
        }
      : {}),
    // In local mode a configured tenant is still checked on every activity.
    ...(c.TEAMS_TENANT_ID ? { tenantId: c.TEAMS_TENANT_ID } : {}),
    allowUnauthenticated: c.TEAMS_LOCAL_MODE,
    serviceUrl: c.TEAMS_SERVICE_URL,
    serviceUrls: teamsServiceUrlPolicy(c),
    cloud: {
      name: c.TEAMS_CLOUD,
      ...(c.TEAMS_OPENID_METADATA_URL ? { openIdMetadataUrl: c.TEAMS_OPENID_METADATA_URL } : {}),
      ...(c.TEAMS_LOGIN_URL ? { loginEndpoint: c.TEAMS_LOGIN_URL.replace(/\/+$/, "") } : {}),
    },
    referralsChannel: c.TEAMS_REFERRALS_CHANNEL,
    artUserIds: c.TEAMS_ART_USER_IDS,
    seniorUserIds: c.TEAMS_SENIOR_USER_IDS,
    ...(c.TEAMS_ART_GROUP_ID ? { artGroupId: c.TEAMS_ART_GROUP_ID } : {}),
    ...(c.TEAMS_SENIOR_GROUP_ID ? { seniorGroupId: c.TEAMS_SENIOR_GROUP_ID } : {}),
    raiserUserIds: c.TEAMS_RAISER_USER_IDS,
    ...(c.TEAMS_RAISER_GROUP_ID ? { raiserGroupId: c.TEAMS_RAISER_GROUP_ID } : {}),
    graphUrl: c.TEAMS_GRAPH_URL,
  };
}
