// Slack's external upload flow, first two steps: ask for an upload URL, then POST the bytes to it. The file stays
// private until files.completeUploadExternal shares it (see SlackChat.postDigest).
import type { WebClient } from "@slack/web-api";
import { DeliveryError } from "../../src/errors.js";
import { callSlack } from "./slack-chat.js";

export async function uploadFile(
  client: WebClient,
  file: { filename: string; bytes: Buffer; altText: string },
): Promise<string> {
  const target = await callSlack("files.getUploadURLExternal", () =>
    client.files.getUploadURLExternal({
      filename: file.filename,
      length: file.bytes.length,
      // The method's documented name is alt_txt (the SDK's type says alt_text).
      alt_txt: file.altText.slice(0, 1000),
    } as never),
  );
  const url = String(target.upload_url ?? "");
  if (!url || !target.file_id) throw new DeliveryError("slack files.getUploadURLExternal: no upload URL", 503);
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(file.bytes),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new DeliveryError(`slack upload: ${(err as Error).message}`, undefined, undefined, err);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new DeliveryError(`slack upload: HTTP ${res.status}`, res.status);
  return target.file_id;
}
