// What the demo's chat page says besides the chat: a welcome for someone who has never seen it, and the side
// panel (the webhook providers' counts and the local inbox, each email with its Respond link).
import type { SidePanelSection } from "../../adapters/teams/local/chat-page.js";
import type { DemoInbox } from "./demo-inbox.js";
import type { DemoProviderEndpoints } from "./demo-providers.js";
import type { DemoResponder } from "./demo-responder.js";

export function demoWelcome(users: { name: string; role: string }[]): { title: string; paragraphs: string[] } {
  const [sw, art, senior] = users;
  return {
    title: "Welcome to the referral bot demo",
    paragraphs: [
      "This page plays Microsoft Teams on your machine: on the left the Access to Resources Team's referrals " +
        "channel, on the right your chat with the bot. Nothing leaves this machine.",
      `You start as ${sw?.name}, a ${sw?.role}: type "new referral" in the chat, fill in the form and raise it. ` +
        "Its card appears in the channel, and providers' offers, declines and questions arrive in its thread.",
      `Switch person with "Signed in as" at the top right: ${art?.name} is in the Access to Resources Team (ART) ` +
        `and approves or declines offers; ${senior?.name} is a senior ART member, the second approver an ` +
        "expensive placement needs.",
      `As ${art?.name}, "Compare offers (ART)" on a referral's card lines its offers up side by side, each priced ` +
        "as a weekly equivalent whatever its basis (weekly, daily, hourly, an annual fee), and approves from there. " +
        "The card's tally says how many providers on the lot it reached and why the others were left out (out of " +
        "area, full, no confirmed vacancy, Ofsted inadequate, a later tier).",
      'The Home button under the chat (or typing "home") shows your home: your referrals with their state and ' +
        "next step, and for ART what waits on your decision.",
      "Every lot (1 to 5) answers within seconds: the first provider to receive a referral offers, by webhook or " +
        "by email, and others follow. The inbox under the chat lists the emails sent to providers; their Respond " +
        "links open the provider's response page.",
    ],
  };
}

export function sidePanel(
  endpoints: DemoProviderEndpoints | undefined,
  inbox: DemoInbox | undefined,
  responder: DemoResponder,
): SidePanelSection[] {
  return [
    {
      title: "Demo providers",
      items: [{ text: `${endpoints?.received ?? 0} webhook messages received; ${responder.answered} answers sent` }],
    },
    {
      title: "Email inbox (newest first)",
      items: (inbox?.mails ?? [])
        .slice(-8)
        .reverse()
        .map((m) => ({
          text: `${m.to}: ${m.subject}`,
          ...(m.respondUrl ? { href: m.respondUrl, linkText: "Respond" } : {}),
        })),
    },
  ];
}
