// Acks before the work they start. Slack wants every request answered within 3 s, and in a burst (many people
// clicking at once, or a retry storm) each handler's work after its ack (database queries, Web API calls) would
// otherwise share the one thread with the requests still waiting for their ack. So the work after an ack waits
// until every Slack request received so far has been answered, but never longer than `maxWaitMs`, so that a steady
// stream of requests, or one whose body never finishes arriving, cannot hold the work back for longer.
import type { NextFunction, Request, Response } from "express";

export const ACK_FIRST_MAX_WAIT_MS = 1000;

export class AckFirst {
  private unanswered = 0;
  private readonly waiting = new Set<() => void>();

  constructor(private readonly maxWaitMs = ACK_FIRST_MAX_WAIT_MS) {}

  /** Express middleware for the Slack route: counts a request from its headers until its answer is sent. */
  readonly middleware = (_req: Request, res: Response, next: NextFunction): void => {
    this.unanswered++;
    let settled = false;
    const answered = () => {
      if (settled) return;
      settled = true;
      if (--this.unanswered === 0) this.release();
    };
    res.once("finish", answered);
    res.once("close", answered);
    next();
  };

  /** Resolves when no Slack request is waiting for its answer, or after maxWaitMs. */
  idle(): Promise<void> {
    if (this.unanswered === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.maxWaitMs);
      this.waiting.add(done);
    });
  }

  private release() {
    for (const done of [...this.waiting]) done();
  }
}
