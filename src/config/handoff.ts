// Placement hand-off to the council's own systems (case management, finance): a signed webhook on each placement,
// and a daily CSV for councils without an endpoint. Read as part of src/config.ts's one schema.
import { z } from "zod";
import { isDevelopment } from "./fields.js";

// Published in this repository (.env.example, tests): accepted only in development and tests.
export const DEV_COUNCIL_WEBHOOK_SECRET = "whsec_ZGV2LW9ubHktY291bmNpbC13ZWJob29rLXNlY3JldCE=";
/** Fewer random bytes than this is guessable enough to forge a placement to the case system. */
const MIN_SECRET_BYTES = 24;

export const handoffSettings = {
  // Where placement.agreed goes (the council's integration endpoint). Unset: nothing is sent.
  COUNCIL_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  // The Standard Webhooks signing secret shared with that endpoint: whsec_<base64 of 24+ random bytes>.
  COUNCIL_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]+=*$/, "must be a Standard Webhooks secret: whsec_<base64>")
    .optional(),
  // A directory the daily job writes placements-YYYY-MM-DD.csv into (yesterday's placements). Unset: no file.
  PLACEMENTS_CSV_DIR: z.string().min(1).optional(),
};

const handoffObject = z.object(handoffSettings);
type HandoffSettings = z.infer<typeof handoffObject> & { NODE_ENV: string };

export function checkHandoffSettings(c: HandoffSettings, ctx: z.RefinementCtx): void {
  if (c.COUNCIL_WEBHOOK_URL && !c.COUNCIL_WEBHOOK_SECRET) {
    ctx.addIssue({
      code: "custom",
      path: ["COUNCIL_WEBHOOK_SECRET"],
      message: "is required with COUNCIL_WEBHOOK_URL: the whsec_ secret the council's endpoint verifies",
    });
  }
  const secret = c.COUNCIL_WEBHOOK_SECRET;
  if (!secret || isDevelopment(c)) return;
  const bytes = Buffer.from(secret.slice("whsec_".length), "base64").length;
  if (secret === DEV_COUNCIL_WEBHOOK_SECRET || bytes < MIN_SECRET_BYTES) {
    ctx.addIssue({
      code: "custom",
      path: ["COUNCIL_WEBHOOK_SECRET"],
      message: `the development secret, or one under ${MIN_SECRET_BYTES} bytes, is refused in production: set whsec_ followed by openssl rand -base64 32`,
    });
  }
}
