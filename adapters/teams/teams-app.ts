// Teams on the service's one Express app: the Teams SDK serves POST /api/messages and authenticates each
// activity (Bot Framework / Entra tokens) unless the explicit local mode is on. `new referral` answers with the
// form card; card buttons are Action.Execute, answered in the invoke response, which Teams shows only to the
// person who clicked: a refusal, a confirmation, the form with its errors, or the restricted details.
import { randomUUID } from "node:crypto";
import type { Activity, Client as ApiClient } from "@microsoft/teams.api";
import { PUBLIC, withOverrides } from "@microsoft/teams.api";
import { App, ExpressAdapter } from "@microsoft/teams.apps";
import type { Express } from "express";
import type { ChatDirectory } from "../../src/chat/directory.js";
import { Membership } from "../../src/chat/membership.js";
import type { ChatAction, ChatCore } from "../../src/chat/port.js";
import type { Logger } from "../../src/logger.js";
import type { Actor } from "../../src/ports.js";
import { cardAttachment, type Element } from "./card-parts.js";
import { detailsCard, formToInput, formValues, raisedCard, referralFormCard } from "./render-forms.js";
import { answerInputId, referralCardContent } from "./render-thread.js";
import { sdkLogger } from "./sdk-logger.js";

export interface TeamsCredentials {
  clientId: string;
  clientSecret: string;
  tenantId?: string;
}

export interface TeamsAppOptions {
  /** Absent only in local mode, which then accepts unauthenticated activities (development and tests). */
  credentials?: TeamsCredentials;
  allowUnauthenticated: boolean;
  serviceUrl: string;
  /** Microsoft Graph's root (tests: a local fake); used only to read ART groups' members. */
  graphUrl?: string;
  logger: Logger;
}

const PUBLIC_GRAPH = "https://graph.microsoft.com";

/**
 * The SDK's App. Credentials are always passed explicitly (empty when absent) so the SDK never falls back to
 * CLIENT_ID / MANAGED_IDENTITY_CLIENT_ID from the environment: a client id without a secret makes MSAL probe
 * the cloud metadata address (169.254.169.254, the managed-identity endpoint), which hangs or fails outside Azure.
 */
export function createTeamsApp(o: TeamsAppOptions, web?: Express): App {
  if (!o.credentials && !o.allowUnauthenticated) throw new Error("Teams needs credentials or the explicit local mode");
  return new App({
    clientId: o.credentials?.clientId ?? "",
    clientSecret: o.credentials?.clientSecret ?? "",
    tenantId: o.credentials?.tenantId ?? "",
    managedIdentityClientId: "",
    dangerouslyAllowUnauthenticatedRequests: !o.credentials && o.allowUnauthenticated,
    serviceUrl: o.serviceUrl,
    logger: sdkLogger(o.logger),
    activity: { mentions: { stripText: true } },
    // Graph elsewhere than Microsoft's public cloud (a sovereign cloud, or a local fake in tests).
    ...(o.graphUrl && o.graphUrl !== PUBLIC_GRAPH
      ? { cloud: withOverrides(PUBLIC, { graphScope: `${o.graphUrl.replace(/\/+$/, "")}/.default` }) }
      : {}),
    ...(web ? { httpServerAdapter: new ExpressAdapter(web) } : {}),
  });
}

export const apiForServiceUrl =
  (app: App) =>
  (serviceUrl: string): ApiClient =>
    app.api.clone({ serviceUrl: serviceUrl.replace(/\/+$/, "") });

/**
 * Members (Entra object ids) of an Entra group, nested groups included, through Microsoft Graph with the bot's
 * own app token (application permission GroupMember.Read.All). Pages are followed.
 */
type GraphPage = { value?: { id: string }[]; "@odata.nextLink"?: string };

export function entraGroupMembers(app: App) {
  return async (groupId: string): Promise<string[]> => {
    const ids: string[] = [];
    let next: string | undefined =
      `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`;
    for (let page = 0; next && page < 50; page++) {
      const res: { data: GraphPage } = await app.graph.http.get<GraphPage>(next);
      for (const u of res.data.value ?? []) ids.push(u.id);
      next = res.data["@odata.nextLink"];
    }
    return ids;
  };
}

export interface MountTeamsOptions extends TeamsAppOptions {
  referralsChannel: string;
  artUserIds: string[];
  seniorUserIds: string[];
  /** Entra groups whose members are ART / senior approvers, besides the listed users. */
  artGroupId?: string;
  seniorGroupId?: string;
  core: ChatCore<"teams">;
  directory: ChatDirectory;
}

type CardActionData = Record<string, unknown> & { verb?: string };

const message = (text: string) =>
  ({ statusCode: 200, type: "application/vnd.microsoft.activity.message", value: text }) as const;
const cardResponse = (card: Element) =>
  ({ statusCode: 200, type: "application/vnd.microsoft.card.adaptive", value: card as never }) as const;

/** The conversation an activity came from, without the thread suffix Teams adds to channel replies. */
export const channelOf = (conversationId: string) => conversationId.split(";messageid=")[0] ?? conversationId;

export async function mountTeams(web: Express, o: MountTeamsOptions): Promise<App> {
  const app = createTeamsApp(o, web);
  if (!o.credentials) {
    o.logger.warn("teams LOCAL MODE: activities on /api/messages are NOT authenticated (development and tests only)");
  }
  const membership = new Membership({
    platform: "teams",
    artUserIds: o.artUserIds,
    seniorUserIds: o.seniorUserIds,
    ...(o.artGroupId ? { artGroupId: o.artGroupId } : {}),
    ...(o.seniorGroupId ? { seniorGroupId: o.seniorGroupId } : {}),
    groupMembers: entraGroupMembers(app),
    logger: o.logger,
  });
  const actorOf = (activity: Activity): Promise<Actor> =>
    membership.actorOf(activity.from.aadObjectId ?? activity.from.id);

  // Every activity tells us where its conversation lives and who its sender is: remember both.
  app.use(async ({ activity, next }) => {
    try {
      await o.directory.rememberConversation({
        channelId: channelOf(activity.conversation.id),
        serviceUrl: activity.serviceUrl ?? o.serviceUrl,
        ...(activity.conversation.tenantId ? { tenantId: activity.conversation.tenantId } : {}),
      });
      const userId = activity.from.aadObjectId ?? activity.from.id;
      if (activity.from.name) await o.directory.rememberUser(userId, activity.from.name);
    } catch (err) {
      o.logger.warn({ error: (err as Error).message.slice(0, 200) }, "teams: could not store the conversation");
    }
    return next();
  });

  app.on("message", async ({ activity, send }) => {
    const text = (activity.text ?? "")
      .replace(/<[^>]*>/g, "")
      .trim()
      .toLowerCase();
    if (text === "new referral" || text === "new-referral") {
      await send({ type: "message", attachments: [cardAttachment(referralFormCard(randomUUID()))] } as never);
      return;
    }
    await send({ type: "message", text: "Type **new referral** to raise a placement referral." } as never);
  });

  app.on("card.action", async ({ activity }) => {
    const data = (activity.value?.action?.data ?? {}) as CardActionData;
    const verb = String(activity.value?.action?.verb ?? data.verb ?? "");
    const actor = await actorOf(activity);
    const str = (key: string) => (typeof data[key] === "string" ? (data[key] as string) : "");
    try {
      switch (verb) {
        case "submit_referral": {
          const formId = str("formId") || activity.id;
          const values = formValues(data);
          const result = await o.core.submitReferral({
            platform: "teams",
            channelId: o.referralsChannel,
            actor,
            input: formToInput(values),
            sourceKey: `teams:form:${formId}`,
          });
          // The form with the person's own values goes back to that person only (an invoke response).
          return result.ok
            ? cardResponse(raisedCard(result.reference))
            : cardResponse(referralFormCard(formId, { values, fieldErrors: result.fieldErrors }));
        }
        case "view_details": {
          const referralId = str("referralId");
          const result = await o.core.performAction("teams", actor, { type: "view_details", referralId });
          if (!result.ok || !result.details) return message(result.text);
          return cardResponse(detailsCard(await o.core.referenceOf(referralId), result.details, referralId));
        }
        case "hide_details":
          return cardResponse(referralCardContent(await o.core.cardOf(str("referralId"))));
        case "answer_question": {
          const responseId = str("responseId");
          const answer = str(answerInputId(responseId));
          const result = await o.core.performAction("teams", actor, { type: "answer_question", responseId, answer });
          return message(result.text);
        }
        default: {
          const action = simpleAction(verb, data);
          if (!action) return message("This button is no longer supported.");
          const result = await o.core.performAction("teams", actor, action);
          return message(result.text || "Done.");
        }
      }
    } catch (err) {
      o.logger.error({ verb, error: (err as Error).message.slice(0, 300) }, "teams card action failed");
      return message("Something went wrong; please try again in a minute.");
    }
  });

  app.event("error", ({ error }) => {
    o.logger.error({ error: error.message.slice(0, 300) }, "teams handler failed");
  });
  await app.initialize();
  return app;
}

function simpleAction(verb: string, data: CardActionData): ChatAction | undefined {
  const responseId = typeof data.responseId === "string" ? data.responseId : "";
  const referralId = typeof data.referralId === "string" ? data.referralId : "";
  switch (verb) {
    case "approve_offer":
      return { type: "approve_offer", responseId };
    case "decline_offer":
      return { type: "decline_offer", responseId };
    case "second_approve":
      return { type: "second_approval", referralId, approve: true };
    case "second_refuse":
      return { type: "second_approval", referralId, approve: false };
    default:
      return undefined;
  }
}
