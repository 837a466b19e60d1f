// Traces are off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; when it is, spans reach that collector over OTLP/HTTP
// (a local HTTP server plays the collector).
import { createServer } from "node:http";
import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { setupTracing } from "../../src/observability/tracing.js";

describe("trace export", () => {
  it("installs nothing without an endpoint", async () => {
    await (await setupTracing({ serviceName: "referral-bot" })).shutdown();
    const span = trace.getTracer("t").startSpan("nothing");
    expect(span.isRecording()).toBe(false);
    span.end();
  });

  it("sends spans to the collector's /v1/traces when an endpoint is set", async () => {
    const received: { path: string; body: string }[] = [];
    const collector = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => {
        body += d;
      });
      req.on("end", () => {
        received.push({ path: req.url ?? "", body });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
    const { port } = collector.address() as { port: number };
    const tracing = await setupTracing({ endpoint: `http://127.0.0.1:${port}/`, serviceName: "referral-bot-test" });
    const span = trace.getTracer("t").startSpan("exported span", { attributes: { "job.type": "delivery-send" } });
    span.end();
    await tracing.shutdown(); // flushes the batch
    await new Promise<void>((r) => collector.close(() => r()));
    expect(received.map((r) => r.path)).toContain("/v1/traces");
    const all = received.map((r) => r.body).join("");
    expect(all).toContain("exported span");
    expect(all).toContain("referral-bot-test");
    // Shut down, the process is untraced again.
    expect(trace.getTracer("t").startSpan("after").isRecording()).toBe(false);
  });
});
