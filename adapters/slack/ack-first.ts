// Acks before the work they start. Slack wants every request answered within 3 s, and in a burst (many people
// clicking at once, or a retry storm) each handler's work after its ack (database queries, Web API calls) would
// otherwise share the one thread with the requests still waiting for their ack. So the work after an ack waits
// until every Slack request received so far has been answered and none has arrived for `quietMs` (in a burst the
// next request's headers are often not in yet when the ones before it have all been answered: measured, releasing
// the work in those gaps doubled the burst's p99 ack), but never longer than `maxWaitMs`, so that a steady stream
// of requests, or one whose body never finishes arriving, cannot hold the work back for longer.
import type { NextFunction, Request, Response } from "express";

export const ACK_FIRST_MAX_WAIT_MS = 1000;
export const ACK_FIRST_QUIET_MS = 30;

export class AckFirst {
  private unanswered = 0;
  private lastArrival = Number.NEGATIVE_INFINITY;
  private quietTimer: NodeJS.Timeout | undefined;
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly maxWaitMs = ACK_FIRST_MAX_WAIT_MS,
    private readonly quietMs = ACK_FIRST_QUIET_MS,
  ) {}

  /** Express middleware for the Slack route: counts a request from its headers until its answer is sent. */
  readonly middleware = (_req: Request, res: Response, next: NextFunction): void => {
    this.unanswered++;
    this.lastArrival = performance.now();
    let settled = false;
    const answered = () => {
      if (settled) return;
      settled = true;
      this.unanswered--;
      this.releaseWhenQuiet();
    };
    res.once("finish", answered);
    res.once("close", answered);
    next();
  };

  /** Resolves when no Slack request is waiting for its answer and none has arrived for quietMs, or after maxWaitMs. */
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
    return this.unanswered === 0 && performance.now() - this.lastArrival >= this.quietMs;
  }

  /** Lets the waiting work through once quiet; while only the quiet time is missing, checks again when it is up. */
  private releaseWhenQuiet(): void {
    if (this.unanswered > 0 || this.waiting.size === 0 || this.quietTimer) return;
    const left = this.quietMs - (performance.now() - this.lastArrival);
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
