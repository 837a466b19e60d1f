// InFlight (src/chat/chat-core.ts): what the web process waits for at shutdown, including work that hands on from
// one tracked call to the next.
import { expect, it } from "vitest";
import { InFlight } from "../../src/chat/chat-core.js";

const after = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

it("waits for a call that a finishing call hands on to", async () => {
  const inFlight = new InFlight();
  let done = false;
  void inFlight.track(after(30)).then(() =>
    inFlight.track(
      after(60).then(() => {
        done = true;
      }),
    ),
  );
  expect(await inFlight.drain(5000)).toBe(0);
  expect(done).toBe(true);
});

it("says how many calls still run when the wait runs out", async () => {
  const inFlight = new InFlight();
  void inFlight.track(after(300));
  void inFlight.track(after(10));
  expect(await inFlight.drain(50)).toBe(1);
  expect(await inFlight.drain(5000)).toBe(0);
});
