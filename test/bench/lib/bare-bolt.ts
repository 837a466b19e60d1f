// A floor under the Slack ack rows, run as a process of its own like the web role: Bolt's Express receiver
// (the service's Slack receiver) with one handler per kind that only acks, and a GET /healthz beside it. No
// request guard, no ack-first gate, no work after the ack, no database: what is left is what any Bolt app pays to
// check a request's signature, parse it and answer it. It tells the parent its port over IPC.
import "../../setup/no-egress.js";
import type { AddressInfo } from "node:net";
import { App, ExpressReceiver } from "@slack/bolt";

const secret = process.env.BARE_BOLT_SECRET;
if (!secret) throw new Error("bare bolt: BARE_BOLT_SECRET is not set");
const receiver = new ExpressReceiver({
  signingSecret: secret,
  endpoints: "/slack/events",
  processBeforeResponse: false,
});
const app = new App({
  receiver,
  token: "xoxb-bare-bolt",
  botId: "B_BARE",
  botUserId: "U_BARE",
  tokenVerificationEnabled: false,
});
app.command(/.*/, async ({ ack }) => {
  await ack();
});
app.action(/.*/, async ({ ack }) => {
  await ack();
});
receiver.app.get("/healthz", (_req, res) => {
  res.json({ ok: true });
});
const server = receiver.app.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
