// A Teams message's text as a command: markup removed, trimmed, lower case. The text is cut to a short length
// BEFORE any regex, because the sender controls it: `/<[^>]*>/g` over 100 KB of "<" is quadratic and held the
// process for seconds. A command is two words, so nothing meaningful is lost.
export const MAX_COMMAND_TEXT = 200;

export function commandTextOf(text: string | undefined): string {
  return (text ?? "")
    .slice(0, MAX_COMMAND_TEXT)
    .replace(/<[^>]*>/g, "")
    .trim()
    .toLowerCase();
}
