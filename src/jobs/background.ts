// The worker role's in-process loops: the outbox relay (fast) and the reconciler. Each loop waits for its
// previous run to finish, and each step is safe to run in many workers at once. (The round sweep and the daily
// digest are BullMQ job schedulers instead: see src/jobs/schedules.ts.)
import type { JobDeps } from "./deps.js";
import { relayOutbox } from "./outbox-relay.js";
import { reconcile } from "./reconciler.js";

export interface LoopIntervals {
  /** The relay's poll; read before each sleep, so it may follow whether the outbox listener is up. */
  relayMs: number | (() => number);
  reconcileMs: number;
}

export interface BackgroundLoops {
  /** Runs the outbox relay now (a record committed) instead of at its next poll. */
  wakeRelay(): void;
  stop(): Promise<void>;
}

export function startBackgroundLoops(deps: JobDeps, intervals: LoopIntervals): BackgroundLoops {
  let stopped = false;
  let wake: () => void = () => {};
  // Stopping wakes every sleeping loop at once, so shutdown never waits out a 30-second interval.
  const stopping = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const running: Promise<void>[] = [];
  const loop = (name: string, everyMs: () => number, step: () => Promise<unknown>) => {
    // A wake-up while the step runs is kept, so a record committed during a relay pass is never left for the poll.
    let pending = false;
    let nudge: () => void = () => {};
    running.push(
      (async () => {
        while (!stopped) {
          pending = false;
          try {
            await step();
          } catch (err) {
            deps.logger.warn({ loop: name, error: (err as Error).message.slice(0, 300) }, "background step failed");
          }
          if (pending) continue;
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            stopping,
            new Promise<void>((r) => {
              nudge = r;
              timer = setTimeout(r, everyMs());
            }),
          ]);
          nudge = () => {};
          clearTimeout(timer);
        }
      })(),
    );
    return () => {
      pending = true;
      nudge();
    };
  };
  const relayMs = intervals.relayMs;
  const wakeRelay = loop("outbox-relay", typeof relayMs === "number" ? () => relayMs : relayMs, async () => {
    while ((await relayOutbox(deps)) > 0 && !stopped) {}
  });
  loop(
    "reconcile",
    () => intervals.reconcileMs,
    () => reconcile(deps),
  );
  return {
    wakeRelay,
    async stop() {
      stopped = true;
      wake();
      await Promise.all(running);
    },
  };
}
