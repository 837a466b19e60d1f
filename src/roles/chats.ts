// The chat platforms the worker posts to (and the CLI's digest command), from the settings.
import { membershipOf } from "../chat/approvers.js";
import { ChatDirectory } from "../chat/directory.js";
import { type Config, teamsSettings } from "../config.js";
import type { Db } from "../db.js";
import type { JobDeps } from "../jobs/deps.js";
import type { Logger } from "../logger.js";

/** The chat platforms whose settings are present (each adapter, and its SDK, loaded only then). */
export async function chatsFromConfig(
  config: Config,
  db: Db,
  logger: Logger,
  teamsBotToken?: () => Promise<string>,
): Promise<JobDeps["chats"]> {
  const chats: JobDeps["chats"] = {};
  if (config.SLACK_BOT_TOKEN) {
    const { SlackChat, slackClient } = await import("../../adapters/slack/slack-chat.js");
    chats.slack = new SlackChat(slackClient(config.SLACK_BOT_TOKEN, config.SLACK_API_URL));
  }
  const teams = teamsSettings(config);
  if (teams) {
    const [{ apiForServiceUrl, createTeamsApp, entraGroupMembers }, { TeamsChat }] = await Promise.all([
      import("../../adapters/teams/teams-app.js"),
      import("../../adapters/teams/teams-chat.js"),
    ]);
    const app = createTeamsApp({ ...teams, logger, ...(teamsBotToken ? { botToken: teamsBotToken } : {}) });
    const groupMembers = entraGroupMembers(app);
    const art = membershipOf(config, "teams", { groupMembers }, logger);
    const tenantId = teams.credentials?.tenantId ?? config.TEAMS_TENANT_ID;
    chats.teams = new TeamsChat({
      apiFor: apiForServiceUrl(app, teams.serviceUrls),
      groupMembers,
      artMembers: () => art.membersOf("art"),
      answersPublishedToAllDefault: config.ANSWERS_PUBLISHED_TO_ALL_DEFAULT,
      ...(tenantId ? { tenantId } : {}),
      defaultServiceUrl: teams.serviceUrl,
      directory: new ChatDirectory(db, "teams"),
      serviceUrls: teams.serviceUrls,
      logger,
    });
  }
  return chats;
}
