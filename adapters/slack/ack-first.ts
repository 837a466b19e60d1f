// Acks before the work they start. Slack wants every request answered within 3 s, and in a burst (many people
// clicking at once, or a retry storm) each handler's work after its ack (database queries, Web API calls) would
// otherwise share the one thread with the requests still waiting for their ack. So the work after an ack waits
// until every Slack request received so far has been answered and none has arrived or been answered for
// `quietMs`, but never longer than `maxWaitMs`, so that a steady stream of requests, or one whose body never
// finishes arriving, cannot hold the work back for longer. In a burst the next requests are often not in yet when
// the ones before them have all been answered: they reach this gate in chunks (a chunk waits together for the
// rate limiter), and answering one chunk can take longer than the quiet time. Measured: releasing the work in
// those gaps doubled the burst's p99 ack; counting the quiet time from the last arrival only still let it through
// in about a third of the bursts, a few tens of milliseconds in.
import type { ReceiverEvent } from "@slack/bolt";
import type { NextFunction, Request, Response } from "express";

export const ACK_FIRST_MAX_WAIT_MS = 1000;
export const ACK_FIRST_QUIET_MS = 30;

export class AckFirst {
  private unanswered = 0;
  private lastActivity = Number.NEGATIVE_INFINITY;
  private quietTimer: NodeJS.Timeout | undefined;
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly maxWaitMs = ACK_FIRST_MAX_WAIT_MS,
    private readonly quietMs = ACK_FIRST_QUIET_MS,
  ) {}

  /** Express middleware for the Slack route: counts a request from its headers until its answer is sent. */
  readonly middleware = (_req: Request, res: Response, next: NextFunction): void => {
    this.unanswered++;
    this.lastActivity = performance.now();
    let settled = false;
    const answered = () => {
      if (settled) return;
      settled = true;
      this.unanswered--;
      this.lastActivity = performance.now();
      this.releaseWhenQuiet();
    };
    res.once("finish", answered);
    res.once("close", answered);
    next();
  };

  /**
   * Resolves when no Slack request is waiting for its answer and none has arrived or been answered for quietMs, or
   * after maxWaitMs.
   */
  idle(): Promise<void> {
    if (this.isQuiet()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.maxWaitMs);
      this.waiting.add(done);
      this.releaseWhenQuiet();
    });
  }

  private isQuiet(): boolean {
    return this.unanswered === 0 && performance.now() - this.lastActivity >= this.quietMs;
  }

  /** Lets the waiting work through once quiet; while only the quiet time is missing, checks again when it is up. */
  private releaseWhenQuiet(): void {
    if (this.unanswered > 0 || this.waiting.size === 0 || this.quietTimer) return;
    const left = this.quietMs - (performance.now() - this.lastActivity);
    if (left > 0) {
      this.quietTimer = setTimeout(() => {
        this.quietTimer = undefined;
        this.releaseWhenQuiet();
      }, left);
      return;
    }
    for (const done of [...this.waiting]) done();
  }
}

/**
 * A Bolt listener that Bolt sees finish as soon as it has acked; the rest of it (the work after the ack, which
 * waits in `AckFirst.idle`) runs on, and a failure there goes to `onError` as Bolt's error handler would have had
 * it. Bolt holds a request, its response and its whole event context until every listener has finished: in a
 * burst, a hundred held requests were live through every young-generation collection, which took some 7 ms each
 * (1.5 ms in Bolt alone) and promoted them into the old generation. `ack` is the one argument that holds the
 * request; it is let go of once called.
 */
// Typed by the listener it wraps: Bolt's argument types reach it from the registration.
type Listener = (args: never) => Promise<void>;

export function releasedAtAck<L extends Listener>(listener: L, onError: (err: Error) => void): L {
  return ((args: { ack: Ack }) => {
    // Split here, outside any closure, so that nothing long-lived keeps `args` (and with it the request).
    const { ack, ...rest } = args;
    return runReleasedAtAck(listener, rest, ack, onError);
  }) as unknown as L;
}

type Ack = (...a: unknown[]) => Promise<void>;

function runReleasedAtAck(
  listener: Listener,
  rest: object,
  ack: Ack | undefined,
  onError: (err: Error) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let acked = false;
    const ackOnce: Ack = async (...a) => {
      const original = ack;
      // As Bolt does: a second ack is a mistake.
      if (!original) throw new Error("slack listener acked twice");
      ack = undefined;
      await original(...a);
      acked = true;
      resolve();
    };
    (listener as (args: object) => Promise<void>)({ ...rest, ack: ackOnce }).then(resolve, (err: Error) => {
      if (acked) onError(err);
      else reject(err);
    });
  });
}

/**
 * Requests whose ack carries nothing a listener decides (Slack reads no answer from it): slash commands, button
 * clicks, shortcuts, a closed modal, Events API events. A modal's submission (its validation errors travel in the
 * ack) and an options request (the options do) are not among them, nor anything this does not know.
 */
const ANSWERED_AT_ONCE = new Set(["block_actions", "shortcut", "message_action", "view_closed", "event_callback"]);

export function answeredAtOnce(body: unknown): boolean {
  if (!body || typeof body !== "object") return false;
  const b = body as { command?: unknown; type?: unknown };
  return typeof b.command === "string" || (typeof b.type === "string" && ANSWERED_AT_ONCE.has(b.type));
}

type Dispatch = (event: ReceiverEvent) => Promise<void>;
const noAck = async () => {};

/**
 * Wraps Bolt's dispatch (App.processEvent, which Bolt's receiver calls once it has checked a request's signature
 * and parsed it): a request answered at once is acked before Bolt matches it to a listener, and Bolt dispatches it
 * once other requests' acks are out (AckFirst.idle), its listener's own ack then doing nothing. In a burst, Bolt's
 * dispatch (its middleware and every listener's matching, for each request) was about a quarter of the CPU spent
 * before each ack. Only the parsed body goes on: the receiver lets go of the request and its response at the ack.
 * A failure in the dispatch goes to `onError`. `track` is given the work from the ack to the dispatch's end, so
 * that a process stopping waits for a click it has answered (src/chat/chat-core.ts, InFlight).
 */
export function dispatchedAfterAck(
  dispatch: Dispatch,
  ackFirst: AckFirst,
  onError: (err: Error) => void,
  track: (work: Promise<void>) => unknown = () => undefined,
): Dispatch {
  return (event) => {
    if (!answeredAtOnce(event.body)) return dispatch(event);
    const { ack, ...rest } = event;
    const answered = ack();
    track(
      answered
        .then(() => ackFirst.idle())
        .then(() => dispatch({ ...rest, ack: noAck }))
        .catch(onError),
    );
    return answered;
  };
}
