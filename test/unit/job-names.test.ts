// The queue names a web process watches and shows (metrics, the queue dashboard) come from the job contracts,
// without loading the handlers: they must be exactly the queues the worker runs a handler for.
import { describe, expect, it } from "vitest";
import { allJobTypes } from "../../src/jobs/all.js";
import { JOB_NAMES } from "../../src/queue/contracts.js";

describe("JOB_NAMES", () => {
  it("names each job type the worker runs, once", () => {
    const handled = allJobTypes().map((t) => t.name);
    expect(new Set(JOB_NAMES).size).toBe(JOB_NAMES.length);
    expect([...JOB_NAMES].sort()).toEqual([...handled].sort());
  });
});
