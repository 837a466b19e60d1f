// Wakes the outbox relay the moment a transaction that wrote an OutboxEvent commits: a trigger on the table
// NOTIFYs (prisma/migrations/*_outbox_notify), and one dedicated connection per worker process LISTENs. Without
// it a record waited for the relay's next poll. The poll stays as the safety net: a notification sent while this
// connection is down is simply missed, so on every (re)connect the relay is woken once to catch up.
import pg from "pg";
import type { Logger } from "../logger.js";

export const OUTBOX_CHANNEL = "outbox_event";
/** How this connection shows in pg_stat_activity (and how a test finds it to cut it). */
export const OUTBOX_LISTENER_NAME = "referral-bot outbox listener";

export interface OutboxListener {
  /** Whether LISTEN is in place now; while it is not, the relay polls at its fast rate. */
  readonly listening: boolean;
  close(): Promise<void>;
}

export function listenForOutbox(
  databaseUrl: string,
  logger: Logger,
  onNotify: () => void,
  opts: { retryMs?: number } = {},
): OutboxListener {
  const retryMs = opts.retryMs ?? 1000;
  let client: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let warned = false;

  const drop = (c: pg.Client, err?: Error) => {
    if (client !== c) return;
    client = undefined;
    listening = false;
    c.end().catch(() => undefined);
    if (closed) return;
    // Once per outage, not once per retry: PostgreSQL being down is already loud elsewhere.
    if (!warned) logger.warn({ error: err?.message.slice(0, 200) }, "outbox listener down; relay polls meanwhile");
    warned = true;
    timer = setTimeout(connect, retryMs);
  };

  const connect = async () => {
    if (closed) return;
    // keepAlive: a connection cut without a reset (a dropped NAT entry) ends instead of listening to nothing.
    const c = new pg.Client({ connectionString: databaseUrl, application_name: OUTBOX_LISTENER_NAME, keepAlive: true });
    client = c;
    c.on("notification", () => onNotify());
    c.on("error", (err) => drop(c, err));
    c.on("end", () => drop(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${OUTBOX_CHANNEL}`);
      if (client !== c) return;
      listening = true;
      if (warned) logger.info("outbox listener back");
      warned = false;
      // Records committed while nobody listened were not announced: look once now.
      onNotify();
    } catch (err) {
      drop(c, err as Error);
    }
  };

  void connect();
  return {
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      listening = false;
      await c?.end().catch(() => undefined);
    },
  };
}
