// OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. Spans carry ids and types only, never a
// child's details. Tests install a provider with an in-memory exporter through installTracerProvider.
import { type Attributes, context, propagation, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

const TRACER = "referral-bot";
let installed: NodeTracerProvider | undefined;

/** Registers a tracer provider for the process (context manager and W3C propagator included). */
export function installTracerProvider(processors: SpanProcessor[], serviceName = "referral-bot"): NodeTracerProvider {
  if (installed) return installed;
  installed = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: processors,
  });
  installed.register();
  return installed;
}

/** From the settings: an OTLP/HTTP exporter when an endpoint is configured, nothing otherwise. */
export function setupTracing(settings: { endpoint?: string; serviceName: string }): { shutdown(): Promise<void> } {
  if (!settings.endpoint) return { shutdown: async () => {} };
  // The setting is the collector's base address, as the OTLP spec defines it; traces go to its /v1/traces.
  const url = `${settings.endpoint.replace(/\/+$/, "")}/v1/traces`;
  const provider = installTracerProvider(
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
