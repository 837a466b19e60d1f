// The Teams trust boundary: runs on POST /api/messages BEFORE the Teams SDK sees the request, and lets through
// only activities that Microsoft sent, from our one tenant, naming a Bot Framework service URL we may send to.
//
// Why not the SDK alone: its validator accepts an Entra token from ANY tenant whose audience is the bot (it
// fetches the keys of whatever tenant the token names), does not look at the activity's tenant, and takes the
// activity's serviceUrl as where to send replies. So:
//   1. The bearer token's signature, audience and lifetime are verified with the SDK's own JwtValidator against
//      Microsoft's keys: Bot Framework tokens (issuer exactly the cloud's, e.g. https://api.botframework.com) with
//      the keys listed by the Bot Framework OpenID metadata; Entra tokens with OUR tenant's keys only (never a
//      key set the caller chose). Anything unverifiable: 401, logged, nothing else.
//   2. Then, on verified claims and the body (403, logged and audited): an Entra token is refused, with the
//      reason "another tenant" when its issuer is not our tenant's (v1 https://sts.windows.net/<tid>/, v2
//      <login>/<tid>/v2.0). Teams sends a classic bot Bot Framework tokens; Entra tokens are for Agent 365
//      agents, which this bot is not, and any app registered in our tenant can get one whose audience is the
//      bot, so accepting them would let it speak as any member of staff. The token's `tid` (where present),
//      `channelData.tenant.id` and `conversation.tenantId` must all be TEAMS_TENANT_ID (at least one present);
//      the activity's serviceUrl must be on the allow-list; the token's `serviceurl` claim must equal it; and the
//      activity must come through the Teams channel (`channelId` msteams, which Microsoft's connector sets), so a
//      Web Chat or Direct Line client, whose channelData is its own, cannot claim a tenant or a person.
// An authenticated activity without a type, a sender or a conversation is a 400 (nothing downstream can use it).
// The SDK then validates the token again as it always does. Local mode (no credentials) has no token to check:
// only the service URL (loopback allowed) and, when configured, the tenant.
import type { CloudEnvironment } from "@microsoft/teams.api";
import { decodeJwtPayload, JwtValidator } from "@microsoft/teams.apps/dist/middleware/auth/jwt-validator.js";
import express, { type RequestHandler } from "express";
import { z } from "zod";
import { hostOf, type ServiceUrlPolicy, serviceUrlAllowed } from "../../src/chat/service-url.js";
import type { Logger } from "../../src/logger.js";
import { sdkLogger } from "./sdk-logger.js";

export interface RefusedActivity {
  reason: string;
  activityType: string;
  tenantId?: string;
  serviceUrlHost: string;
  issuer: "bot-framework" | "entra" | "none";
}

export interface InboundTrustOptions {
  /** Absent in local mode. */
  credentials?: { clientId: string; tenantId: string };
  /** Checked in local mode too when set. */
  tenantId?: string;
  cloud: CloudEnvironment;
  serviceUrls: ServiceUrlPolicy;
  logger: Logger;
  /** Records a refusal of an authenticated (or local-mode) activity; never given the token or the body. */
  audit(refused: RefusedActivity): Promise<void>;
}

const ENTRA_V1_ISSUER = "https://sts.windows.net/";

/**
 * What every activity must have before anything reads it: a type, a sender and a conversation. The SDK and the
 * handlers take these for granted, so an activity without them would crash there (a 500); it is a bad request.
 */
const activityShape = z.object({
  type: z.string().min(1),
  from: z.object({ id: z.string().min(1) }),
  conversation: z.object({ id: z.string().min(1) }),
});

type Claims = Record<string, unknown>;
type Activity = {
  type?: unknown;
  channelId?: unknown;
  serviceUrl?: unknown;
  conversation?: { tenantId?: unknown };
  channelData?: { tenant?: { id?: unknown } };
};

const sameUrl = (a: unknown, b: unknown) =>
  typeof a === "string" &&
  typeof b === "string" &&
  a.replace(/\/+$/, "").toLowerCase() === b.replace(/\/+$/, "").toLowerCase();

/** The Bot Framework keys URL, read from the OpenID metadata document (cached for the process). */
function botFrameworkKeys(metadataUrl: string): () => Promise<string> {
  let keys: Promise<string> | undefined;
  return () => {
    keys ??= fetch(metadataUrl, { signal: AbortSignal.timeout(10_000) })
      .then(async (res) => {
        if (!res.ok) throw new Error(`OpenID metadata: HTTP ${res.status}`);
        const doc = (await res.json()) as { jwks_uri?: unknown };
        if (typeof doc.jwks_uri !== "string") throw new Error("OpenID metadata without jwks_uri");
        return doc.jwks_uri;
      })
      .catch((err: Error) => {
        keys = undefined; // try again on the next request
        throw err;
      });
    return keys;
  };
}

export function inboundTrustGate(o: InboundTrustOptions): RequestHandler[] {
  const tenant = (o.credentials?.tenantId ?? o.tenantId)?.toLowerCase();
  const log = sdkLogger(o.logger);
  const keysUrl = botFrameworkKeys(o.cloud.openIdMetadataUrl);
  let botFramework: JwtValidator | undefined;
  const entra = o.credentials
    ? new JwtValidator(
        {
          clientId: o.credentials.clientId,
          tenantId: o.credentials.tenantId,
          loginEndpoint: o.cloud.loginEndpoint,
          // Our tenant's keys (Entra's are shared across a cloud's tenants); the issuer is checked below, so a
          // signed token from another tenant is a 403 and audited, not a 401.
          jwksUriOptions: { type: "tenantId" },
        },
        log,
      )
    : undefined;

  /** Verified claims; throws when the token is missing, from an unknown issuer, or does not verify. */
  async function verify(header: string | undefined): Promise<{ claims: Claims; kind: "bot-framework" | "entra" }> {
    if (!o.credentials || !entra) throw new Error("no credentials");
    const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : "";
    const iss = token ? decodeJwtPayload(token)?.iss : undefined;
    if (typeof iss !== "string") throw new Error("no bearer token");
    if (iss === o.cloud.tokenIssuer) {
      botFramework ??= new JwtValidator(
        {
          clientId: o.credentials.clientId,
          validateIssuer: { allowedIssuer: o.cloud.tokenIssuer },
          jwksUriOptions: { type: "uri", uri: await keysUrl() },
        },
        log,
      );
      const claims = await botFramework.validateAccessToken(token);
      if (!claims) throw new Error("Bot Framework token did not verify");
      return { claims, kind: "bot-framework" };
    }
    if (iss.startsWith(`${o.cloud.loginEndpoint}/`) || iss.startsWith(ENTRA_V1_ISSUER)) {
      const claims = await entra.validateAccessToken(token);
      if (!claims) throw new Error("Entra token did not verify against this tenant's keys");
      return { claims, kind: "entra" };
    }
    throw new Error("token from an unknown issuer");
  }

  /** Why a verified (or local-mode) activity is refused, or undefined when it may go on. */
  function refusal(activity: Activity, claims: Claims | undefined, kind: RefusedActivity["issuer"]) {
    if (kind === "entra") {
      const ours = [`${o.cloud.loginEndpoint}/${tenant}/v2.0`, `${ENTRA_V1_ISSUER}${tenant}/`].map((i) =>
        i.toLowerCase(),
      );
      if (!ours.includes(String(claims?.iss).toLowerCase())) return "token issued by another tenant";
      return "Entra-issued token: only the Bot Framework service may send activities";
    }
    const tenants = [activity.channelData?.tenant?.id, activity.conversation?.tenantId, claims?.tid].filter(
      (t) => t !== undefined && t !== null,
    );
    if (tenant) {
      if (tenants.length === 0) return "activity names no tenant";
      if (tenants.some((t) => String(t).toLowerCase() !== tenant)) return "activity from another tenant";
    }
    if (!serviceUrlAllowed(activity.serviceUrl, o.serviceUrls)) return "service URL not on the allow-list";
    if (kind === "bot-framework" && !sameUrl(claims?.serviceurl, activity.serviceUrl)) {
      return "service URL differs from the token's serviceurl claim";
    }
    if (kind === "bot-framework" && activity.channelId !== "msteams") return "not a Teams activity";
    return undefined;
  }

  const gate: RequestHandler = async (req, res, next) => {
    const activity = (req.body && typeof req.body === "object" ? req.body : {}) as Activity;
    let verified: { claims?: Claims; kind: RefusedActivity["issuer"] } = { kind: "none" };
    if (o.credentials) {
      try {
        verified = await verify(req.get("authorization"));
      } catch (err) {
        o.logger.warn(
          { reason: (err as Error).message.slice(0, 120), serviceUrlHost: hostOf(activity.serviceUrl) },
          "teams: activity refused, not authenticated",
        );
        return void res.status(401).json({ error: "unauthorized" });
      }
    }
    if (!activityShape.safeParse(req.body).success) {
      o.logger.warn(
        { activityType: String(activity.type ?? "").slice(0, 40), serviceUrlHost: hostOf(activity.serviceUrl) },
        "teams: activity refused, malformed",
      );
      return void res.status(400).json({ error: "bad_request" });
    }
    const reason = refusal(activity, verified.claims, verified.kind);
    if (!reason) return next();
    const tenantId = [activity.channelData?.tenant?.id, activity.conversation?.tenantId, verified.claims?.tid].find(
      (t) => typeof t === "string" && String(t).toLowerCase() !== tenant,
    );
    const refused: RefusedActivity = {
      reason,
      activityType: String(activity.type ?? "").slice(0, 40),
      ...(typeof tenantId === "string" ? { tenantId: tenantId.slice(0, 64) } : {}),
      serviceUrlHost: hostOf(activity.serviceUrl),
      issuer: verified.kind,
    };
    o.logger.warn(refused, "teams: activity refused");
    try {
      await o.audit(refused);
    } catch (err) {
      o.logger.error({ error: (err as Error).message.slice(0, 200) }, "teams: could not audit a refused activity");
    }
    res.status(403).json({ error: "forbidden" });
  };

  // The SDK's own parser and limit; the SDK's parser then finds the body already read.
  return [express.json(), gate];
}
