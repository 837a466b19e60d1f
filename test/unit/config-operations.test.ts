// The operations settings: off by default, and a bad value stops start-up with one clear line.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { ConfigError } from "../../src/errors.js";

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe("operations settings", () => {
  it("are off by default: no metrics listener, no traces, a read-only dashboard nobody can open", () => {
    const c = loadConfig({ NODE_ENV: "development" });
    expect(c.METRICS_PORT).toBe(0);
    expect(c.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(c.ADMIN_ALLOWED_IPS).toEqual([]);
    expect(c.ADMIN_QUEUES_WRITE).toBe(false);
  });

  it("reads addresses and ranges for the dashboard's allow-list", () => {
    const c = loadConfig({ NODE_ENV: "development", ADMIN_ALLOWED_IPS: "10.1.0.0/16, 192.0.2.7,2001:db8::/32" });
    expect(c.ADMIN_ALLOWED_IPS.map(([a, bits]) => `${a.toString()}/${bits}`)).toEqual([
      "10.1.0.0/16",
      "192.0.2.7/32",
      "2001:db8::/32",
    ]);
  });

  it("refuses bad values with one line each", () => {
    const problems = problemsOf({
      METRICS_PORT: "70000",
      OTEL_EXPORTER_OTLP_ENDPOINT: "collector",
      ADMIN_ALLOWED_IPS: "10.0.0.0/8,intranet",
    });
    expect(problems).toContain("METRICS_PORT: must be a port number");
    expect(problems.some((p) => p.startsWith("OTEL_EXPORTER_OTLP_ENDPOINT: must be a URL"))).toBe(true);
    expect(problems).toContain('ADMIN_ALLOWED_IPS: "intranet" is not an IP address or CIDR range');
  });
});
