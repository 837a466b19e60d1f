// Nudge settings and quiet hours: defaults, London wall-clock windows (across midnight and the clock change), and
// one clear line for a bad value.
import { describe, expect, it } from "vitest";
import { inQuietHours } from "../../src/chat/nudges.js";
import { loadConfig } from "../../src/config.js";
import { ConfigError } from "../../src/errors.js";

const dev = (env: Record<string, string> = {}) => loadConfig({ NODE_ENV: "development", ...env });

describe("nudge settings", () => {
  it("have defaults: 30 minutes (emergency), 24 hours (standard and questions), quiet 20:00-08:00, answers private", () => {
    const c = dev();
    expect(c.APPROVAL_NUDGE_MINUTES).toBe(30);
    expect(c.APPROVAL_NUDGE_HOURS).toBe(24);
    expect(c.QUESTION_NUDGE_HOURS).toBe(24);
    expect(c.QUIET_HOURS).toEqual({ startMinute: 20 * 60, endMinute: 8 * 60 });
    expect(c.ANSWERS_PUBLISHED_TO_ALL_DEFAULT).toBe(false);
    expect(dev({ QUIET_HOURS: "off" }).QUIET_HOURS).toBeUndefined();
  });

  it("refuses a bad window or interval with one line each", () => {
    let problems: string[] = [];
    try {
      dev({ QUIET_HOURS: "8pm-8am", APPROVAL_NUDGE_MINUTES: "0" });
    } catch (e) {
      if (e instanceof ConfigError) problems = e.problems;
    }
    expect(problems).toEqual([
      "APPROVAL_NUDGE_MINUTES: must be at least 1",
      'QUIET_HOURS: must be "HH:MM-HH:MM" in London time (e.g. 20:00-08:00), or "off"',
    ]);
  });

  it("reads quiet hours on London's clock, across midnight and in summer time", () => {
    const quiet = dev().QUIET_HOURS;
    expect(inQuietHours(new Date("2026-11-30T19:59:00Z"), quiet)).toBe(false);
    expect(inQuietHours(new Date("2026-11-30T20:00:00Z"), quiet)).toBe(true);
    expect(inQuietHours(new Date("2026-12-01T07:59:00Z"), quiet)).toBe(true);
    expect(inQuietHours(new Date("2026-12-01T08:00:00Z"), quiet)).toBe(false);
    // 19:30 UTC in July is 20:30 BST.
    expect(inQuietHours(new Date("2026-07-01T19:30:00Z"), quiet)).toBe(true);
    const daytime = dev({ QUIET_HOURS: "12:00-13:00" }).QUIET_HOURS;
    expect(inQuietHours(new Date("2026-11-30T12:30:00Z"), daytime)).toBe(true);
    expect(inQuietHours(new Date("2026-11-30T13:00:00Z"), daytime)).toBe(false);
  });
});
