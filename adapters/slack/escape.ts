// Text from providers and social workers goes into Slack as mrkdwn. Escaping &, < and > means nobody can write
// <!channel>, <@U123> or <https://evil|innocent> into the thread; cutting keeps blocks within Slack's limits.
export const LIMITS = {
  sectionText: 3000,
  buttonText: 75,
  header: 150,
  blocksPerMessage: 50,
  fieldText: 2000,
  modalTitle: 24,
};

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Escaped, then cut so the escaped form fits (never leaves half an entity at the end). */
export function safeText(text: string, max: number = LIMITS.sectionText): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  return `${escaped.slice(0, max - 1).replace(/&[a-z]*$/, "")}…`;
}
