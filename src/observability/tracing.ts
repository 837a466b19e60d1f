// OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. Spans carry ids and types only, never a
// child's details. Tests install a provider with an in-memory exporter through installTracerProvider.
// Only the API (which does nothing until a provider is registered) is loaded at start-up; the SDK and the exporter
// (some 4 MB of heap and 150 modules) are loaded when tracing is configured.
import { type Attributes, context, propagation, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

const TRACER = "referral-bot";
let installed: NodeTracerProvider | undefined;

/** Registers a tracer provider for the process (context manager and W3C propagator included). */
export async function installTracerProvider(
  processors: SpanProcessor[],
  serviceName = "referral-bot",
): Promise<NodeTracerProvider> {
  if (installed) return installed;
  const [{ NodeTracerProvider }, { resourceFromAttributes }, { ATTR_SERVICE_NAME }] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/semantic-conventions"),
  ]);
  // Checked again: another call may have installed one while these loaded.
  if (installed) return installed;
  installed = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: processors,
  });
  installed.register();
  return installed;
}

/** From the settings: an OTLP/HTTP exporter when an endpoint is configured, nothing otherwise. */
export async function setupTracing(settings: {
  endpoint?: string;
  serviceName: string;
}): Promise<{ shutdown(): Promise<void> }> {
  if (!settings.endpoint) return { shutdown: async () => {} };
  // The setting is the collector's base address, as the OTLP spec defines it; traces go to its /v1/traces.
  const url = `${settings.endpoint.replace(/\/+$/, "")}/v1/traces`;
  const [{ OTLPTraceExporter }, { BatchSpanProcessor }] = await Promise.all([
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/sdk-trace-base"),
  ]);
  const provider = await installTracerProvider(
    [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
    settings.serviceName,
  );
  return {
    // Flushes what is batched, then leaves the process untraced (a later start installs a fresh provider).
    async shutdown() {
      await provider.shutdown();
      installed = undefined;
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

export const tracer = () => trace.getTracer(TRACER);

/** Runs fn inside a new active span, ended (and marked failed on a throw) when fn settles. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name });
      throw err;
    } finally {
      span.end();
    }
  });
}
