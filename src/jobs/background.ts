// The worker role's in-process loops: the outbox relay (fast) and the reconciler. Each loop waits for its
// previous run to finish, and each step is safe to run in many workers at once. (The round sweep and the daily
// digest are BullMQ job schedulers instead: see src/jobs/schedules.ts.)
import type { JobDeps } from "./deps.js";
import { relayOutbox } from "./outbox-relay.js";
import { reconcile } from "./reconciler.js";

export interface LoopIntervals {
  relayMs: number;
  reconcileMs: number;
}

export function startBackgroundLoops(deps: JobDeps, intervals: LoopIntervals): { stop(): Promise<void> } {
  let stopped = false;
  let wake: () => void = () => {};
  // Stopping wakes every sleeping loop at once, so shutdown never waits out a 30-second interval.
  const stopping = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const running: Promise<void>[] = [];
  const loop = (name: string, everyMs: number, step: () => Promise<unknown>) => {
    running.push(
      (async () => {
        while (!stopped) {
          try {
            await step();
          } catch (err) {
            deps.logger.warn({ loop: name, error: (err as Error).message.slice(0, 300) }, "background step failed");
          }
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([stopping, new Promise((r) => (timer = setTimeout(r, everyMs)))]);
          clearTimeout(timer);
        }
      })(),
    );
  };
  loop("outbox-relay", intervals.relayMs, async () => {
    while ((await relayOutbox(deps)) > 0 && !stopped) {}
  });
  loop("reconcile", intervals.reconcileMs, () => reconcile(deps));
  return {
    async stop() {
      stopped = true;
      wake();
      await Promise.all(running);
    },
  };
}
