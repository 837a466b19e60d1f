// Teams on the service's one Express app: the Teams SDK serves POST /api/messages and authenticates each
// activity (Bot Framework / Entra tokens) unless the explicit local mode is on. `new referral` answers with the
// form card; card buttons are Action.Execute, answered in the invoke response, which Teams shows only to the
// person who clicked: a refusal, a confirmation, the form with its errors, or the restricted details.
import { randomUUID } from "node:crypto";
import type { Activity, Client as ApiClient, CloudEnvironment } from "@microsoft/teams.api";
import { cloudFromName, withOverrides } from "@microsoft/teams.api";
import { App, ExpressAdapter } from "@microsoft/teams.apps";
import type { Express } from "express";
import type { ChatDirectory } from "../../src/chat/directory.js";
import { Membership } from "../../src/chat/membership.js";
import { type ChatAction, type ChatCore, compareSortOf, NOT_ALLOWED_TO_RAISE } from "../../src/chat/port.js";
import { hostOf, type ServiceUrlPolicy, serviceUrlAllowed } from "../../src/chat/service-url.js";
import { DeliveryError, NotFoundError } from "../../src/errors.js";
import type { Logger } from "../../src/logger.js";
import type { Actor } from "../../src/ports.js";
import { cardAttachment, type Element } from "./card-parts.js";
import { inboundTrustGate, type RefusedActivity } from "./inbound-trust.js";
import { commandTextOf } from "./message-text.js";
import { compareCard } from "./render-compare.js";
import {
  detailsCard,
  duplicateAnswersOf,
  formToInput,
  formValues,
  raisedCard,
  referralFormCard,
} from "./render-forms.js";
import { homeCard } from "./render-home.js";
import {
  answerInputId,
  groupCard,
  publishInputId,
  REFRESH_VERB,
  referralCardContent,
  WITHDRAW_REASON_INPUT,
  WITHDRAW_TEXT_INPUT,
} from "./render-thread.js";
import { sdkLogger } from "./sdk-logger.js";
import { actorIdsOf, staffNames } from "./teams-chat.js";

export interface TeamsCredentials {
  clientId: string;
  clientSecret: string;
  /** The one tenant whose activities are accepted. */
  tenantId: string;
}

/** Microsoft's cloud, and where inbound tokens' keys come from when not the cloud's own (tests: local). */
export interface TeamsCloud {
  name: "public" | "usgov" | "usgovdod" | "china";
  openIdMetadataUrl?: string;
  loginEndpoint?: string;
}

export interface TeamsAppOptions {
  /** Absent only in local mode, which then accepts unauthenticated activities (development and tests). */
  credentials?: TeamsCredentials;
  allowUnauthenticated: boolean;
  serviceUrl: string;
  /** Which service URLs activities may name and the bot may send to. */
  serviceUrls: ServiceUrlPolicy;
  cloud: TeamsCloud;
  /** Microsoft Graph's root (tests: a local fake); used only to read ART groups' members. */
  graphUrl?: string;
  /**
   * Tests only: the bot's own outbound token, instead of asking Microsoft's login service with the secret (so
   * a test with credentials configured can see what the bot sends, and nothing leaves the machine).
   */
  botToken?: () => Promise<string>;
  logger: Logger;
}

const PUBLIC_GRAPH = "https://graph.microsoft.com";

export function teamsCloud(o: Pick<TeamsAppOptions, "cloud" | "graphUrl">): CloudEnvironment {
  return withOverrides(cloudFromName(o.cloud.name), {
    ...(o.cloud.openIdMetadataUrl ? { openIdMetadataUrl: o.cloud.openIdMetadataUrl } : {}),
    ...(o.cloud.loginEndpoint ? { loginEndpoint: o.cloud.loginEndpoint } : {}),
    // Graph elsewhere than Microsoft's public cloud (a sovereign cloud, or a local fake in tests).
    ...(o.graphUrl && o.graphUrl !== PUBLIC_GRAPH ? { graphScope: `${o.graphUrl.replace(/\/+$/, "")}/.default` } : {}),
  });
}

/**
 * The SDK's App. Credentials are always passed explicitly (empty when absent) so the SDK never falls back to
 * CLIENT_ID / MANAGED_IDENTITY_CLIENT_ID from the environment: a client id without a secret makes MSAL probe
 * the cloud metadata address (169.254.169.254, the managed-identity endpoint), which hangs or fails outside Azure.
 */
export function createTeamsApp(o: TeamsAppOptions, web?: Express): App {
  if (!o.credentials && !o.allowUnauthenticated) throw new Error("Teams needs credentials or the explicit local mode");
  if (!serviceUrlAllowed(o.serviceUrl, o.serviceUrls)) throw new Error("TEAMS_SERVICE_URL is not on the allow-list");
  return new App({
    clientId: o.credentials?.clientId ?? "",
    // With a test token the secret is left out, so the SDK uses the token function and never MSAL.
    clientSecret: o.botToken ? "" : (o.credentials?.clientSecret ?? ""),
    ...(o.credentials && o.botToken ? { token: o.botToken } : {}),
    tenantId: o.credentials?.tenantId ?? "",
    managedIdentityClientId: "",
    dangerouslyAllowUnauthenticatedRequests: !o.credentials && o.allowUnauthenticated,
    serviceUrl: o.serviceUrl,
    logger: sdkLogger(o.logger),
    activity: { mentions: { stripText: true } },
    // Always explicit, so the SDK never picks a cloud from the CLOUD environment variable.
    cloud: teamsCloud(o),
    ...(web ? { httpServerAdapter: new ExpressAdapter(web) } : {}),
  });
}

/**
 * An API client for a Bot Framework service URL, carrying the bot's token. Refuses a URL off the allow-list
 * (defence in depth: rows stored before the list existed), as a permanent failure.
 */
export const apiForServiceUrl =
  (app: App, policy: ServiceUrlPolicy) =>
  (serviceUrl: string): ApiClient => {
    if (!serviceUrlAllowed(serviceUrl, policy)) {
      throw new DeliveryError(`teams: service URL host ${hostOf(serviceUrl)} is not on the allow-list`, 403);
    }
    return app.api.clone({ serviceUrl: serviceUrl.replace(/\/+$/, "") });
  };

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
  /** Who may raise referrals besides ART (Entra object ids and an Entra group); none given = anyone. */
  raiserUserIds?: string[];
  raiserGroupId?: string;
  core: ChatCore<"teams">;
  directory: ChatDirectory;
  /** Local mode: still refuse activities from other tenants when set. */
  tenantId?: string;
  /** Whether "publish to all" starts on under a question (ANSWERS_PUBLISHED_TO_ALL_DEFAULT). */
  answersPublishedToAllDefault?: boolean;
  /** Records a refused activity (an audit row). */
  auditRefusal(refused: RefusedActivity): Promise<void>;
}

type CardActionData = Record<string, unknown> & { verb?: string };

const message = (text: string) =>
  ({ statusCode: 200, type: "application/vnd.microsoft.activity.message", value: text }) as const;
const cardResponse = (card: Element) =>
  ({ statusCode: 200, type: "application/vnd.microsoft.card.adaptive", value: card as never }) as const;

/** The conversation an activity came from, without the thread suffix Teams adds to channel replies. */
export const channelOf = (conversationId: string) => conversationId.split(";messageid=")[0] ?? conversationId;

export async function mountTeams(web: Express, o: MountTeamsOptions): Promise<App> {
  // Before the SDK's own route on the same path: nothing untrusted reaches the SDK, the directory or a handler.
  web.post(
    "/api/messages",
    ...inboundTrustGate({
      ...(o.credentials ? { credentials: { clientId: o.credentials.clientId, tenantId: o.credentials.tenantId } } : {}),
      ...(o.tenantId ? { tenantId: o.tenantId } : {}),
      cloud: teamsCloud(o),
      serviceUrls: o.serviceUrls,
      logger: o.logger,
      audit: o.auditRefusal,
    }),
  );
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
    raiserUserIds: o.raiserUserIds ?? [],
    ...(o.raiserGroupId ? { raiserGroupId: o.raiserGroupId } : {}),
    groupMembers: entraGroupMembers(app),
    logger: o.logger,
  });
  const actorOf = (activity: Activity): Promise<Actor> =>
    membership.actorOf(activity.from.aadObjectId ?? activity.from.id);

  // Every activity tells us where its conversation lives and who its sender is: remember both. The trust gate
  // has already refused other tenants and service URLs off the allow-list; the check here is a second lock.
  app.use(async ({ activity, next }) => {
    try {
      const serviceUrl = activity.serviceUrl ?? o.serviceUrl;
      if (!serviceUrlAllowed(serviceUrl, o.serviceUrls)) throw new Error("service URL not on the allow-list");
      await o.directory.rememberConversation({
        channelId: channelOf(activity.conversation.id),
        serviceUrl,
        ...(activity.conversation.tenantId ? { tenantId: activity.conversation.tenantId } : {}),
      });
      const userId = activity.from.aadObjectId ?? activity.from.id;
      // from.id is the person's id in conversations ("29:..."): per-user cards and 1:1 chats name them by it.
      if (activity.from.name) await o.directory.rememberUser(userId, activity.from.name, activity.from.id);
    } catch (err) {
      o.logger.warn({ error: (err as Error).message.slice(0, 200) }, "teams: could not store the conversation");
    }
    return next();
  });

  app.on("message", async ({ activity, send }) => {
    const text = commandTextOf(activity.text);
    if (text === "new referral" || text === "new-referral") {
      if (!(await actorOf(activity)).mayRaise) {
        await send({ type: "message", text: NOT_ALLOWED_TO_RAISE } as never);
        return;
      }
      await send({ type: "message", attachments: [cardAttachment(referralFormCard(randomUUID()))] } as never);
      return;
    }
    if (text === "home" && activity.conversation.conversationType === "personal") {
      await send({ type: "message", attachments: [cardAttachment(await homeOf(activity))] } as never);
      return;
    }
    await send({
      type: "message",
      text: "Type **new referral** to raise a placement referral, or **home** (in this chat with me) for your referrals.",
    } as never);
  });

  // The person's home: sent when they add the bot (its personal chat opens with it), redrawn on open (refresh).
  const homeOf = async (activity: Activity) =>
    homeCard(await o.core.homeOf("teams", await actorOf(activity)), { refreshFor: activity.from.id });
  app.on("conversationUpdate", async ({ activity, send }) => {
    const added = (activity as { membersAdded?: { id: string }[] }).membersAdded ?? [];
    if (activity.conversation.conversationType !== "personal" || !added.some((m) => m.id === activity.recipient.id))
      return;
    await send({ type: "message", attachments: [cardAttachment(await homeOf(activity))] } as never);
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
            duplicate: duplicateAnswersOf(values),
          });
          if (!result.ok && "text" in result) return message(result.text);
          // The form with the person's own values goes back to that person only (an invoke response).
          return result.ok
            ? cardResponse(raisedCard(result.reference, result.warnings))
            : cardResponse(
                referralFormCard(formId, {
                  values,
                  fieldErrors: result.fieldErrors,
                  ...(result.error ? { error: result.error } : {}),
                  ...(result.duplicateOf ? { duplicateOf: result.duplicateOf } : {}),
                }),
              );
        }
        case "view_details": {
          const referralId = str("referralId");
          const result = await o.core.performAction("teams", actor, { type: "view_details", referralId });
          if (!result.ok || !result.details) return message(result.text);
          return cardResponse(detailsCard(await o.core.referenceOf(referralId), result.details, referralId));
        }
        case "refreshHome":
          return cardResponse(await homeOf(activity));
        case REFRESH_VERB: {
          // A thread card drawn for the person looking at it: ART gets the approval buttons, others the status.
          const thread = { channelId: str("channelId"), threadId: str("threadId") };
          const keys = str("keys").split(",").filter(Boolean);
          const userIds = str("userIds").split(",").filter(Boolean);
          const items = await o.core.threadItemsOf("teams", thread, keys);
          const names = await staffNames(o.directory, actorIdsOf(items));
          return cardResponse(
            groupCard(items, names, {
              perUser: { userIds, thread },
              forArt: actor.art,
              publishDefault: o.answersPublishedToAllDefault ?? false,
            }),
          );
        }
        case "compare_offers": {
          const referralId = str("referralId");
          const sort = compareSortOf(str("sort"));
          const result = await o.core.performAction("teams", actor, { type: "compare_offers", referralId, sort });
          if (!result.ok || !result.comparison) return message(result.text);
          return cardResponse(compareCard(result.comparison));
        }
        case "hide_details":
          return cardResponse(referralCardContent(await o.core.cardOf(str("referralId"))));
        case "answer_question": {
          const responseId = str("responseId");
          const answer = str(answerInputId(responseId));
          const publish = str(publishInputId(responseId));
          const result = await o.core.performAction("teams", actor, {
            type: "answer_question",
            responseId,
            answer,
            ...(publish ? { publishToAll: publish === "true" } : {}),
          });
          return message(result.text);
        }
        case "withdraw_referral": {
          const text = str(WITHDRAW_TEXT_INPUT).trim();
          const result = await o.core.performAction("teams", actor, {
            type: "withdraw_referral",
            referralId: str("referralId"),
            reason: str(WITHDRAW_REASON_INPUT),
            ...(text ? { text } : {}),
          });
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
      // A button naming something that does not exist (or is not an id at all): say so, to the clicker only.
      if (err instanceof NotFoundError) return message(err.message);
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
    case "release_documents":
      return { type: "release_documents", requestId: typeof data.requestId === "string" ? data.requestId : "" };
    case "document_upload_link":
      return { type: "document_upload_link", referralId };
    default:
      return undefined;
  }
}
