// The logger's second line of defence: a field named like a child's restricted detail (or a secret) is censored
// wherever it sits in what is logged, down to four levels, in arrays, in errors and in a child logger's bindings;
// what the caller passed is never changed; and everything else is written as given.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { logger: createLogger({ level: "info", destination }), lines };
}

describe("log redaction", () => {
  it("censors restricted fields at every level down to four, in arrays too", () => {
    const { logger, lines } = capture();
    logger.info(
      {
        childName: "A",
        referral: { dateOfBirth: "2011-01-01", id: "r1" },
        deep: { inner: { narrative: "N", ok: 1 }, list: [{ address: "1 Lane", n: 2 }] },
        four: { a: { b: { risks: "R" } } },
      },
      "m",
    );
    expect(lines[0]).toMatchObject({
      childName: "[redacted]",
      referral: { dateOfBirth: "[redacted]", id: "r1" },
      deep: { inner: { narrative: "[redacted]", ok: 1 }, list: [{ address: "[redacted]", n: 2 }] },
      four: { a: { b: { risks: "[redacted]" } } },
      msg: "m",
    });
    expect(JSON.stringify(lines[0])).not.toMatch(/"A"|2011|"N"|1 Lane|"R"/);
  });

  it("censors a whole restricted object, and secrets", () => {
    const { logger, lines } = capture();
    logger.info({ restricted: { childName: "A" }, req: { authorization: "Bearer x", token: "t" } }, "m");
    expect(lines[0]).toMatchObject({
      restricted: "[redacted]",
      req: { authorization: "[redacted]", token: "[redacted]" },
    });
  });

  it("never changes the object it was given", () => {
    const { logger } = capture();
    const given = { referral: { childName: "A", id: "r1" }, list: [{ address: "x" }] };
    logger.info(given, "m");
    expect(given).toEqual({ referral: { childName: "A", id: "r1" }, list: [{ address: "x" }] });
  });

  it("censors restricted fields of an error and still writes its message and stack", () => {
    const { logger, lines } = capture();
    const err = Object.assign(new Error("boom"), { childName: "A" });
    logger.error({ err }, "failed");
    const logged = lines[0]!.err as Record<string, unknown>;
    expect(logged.childName).toBe("[redacted]");
    expect(logged.message).toBe("boom");
    expect(String(logged.stack)).toContain("boom");
    expect((err as unknown as { childName: string }).childName).toBe("A");
  });

  it("censors a child logger's bindings", () => {
    const { logger, lines } = capture();
    logger.child({ job: "x", payload: { caseSystemId: "C1" } }).info("m");
    expect(lines[0]).toMatchObject({ job: "x", payload: { caseSystemId: "[redacted]" } });
  });

  it("writes an ordinary line as given", () => {
    const { logger, lines } = capture();
    logger.info({ req: { method: "POST" }, res: { statusCode: 200 }, route: "/slack/events", responseTime: 3 }, "ok");
    expect(lines[0]).toMatchObject({
      req: { method: "POST" },
      res: { statusCode: 200 },
      route: "/slack/events",
      responseTime: 3,
    });
  });
});
