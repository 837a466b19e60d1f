// One fan-out, measured: raise a referral whose lot has N webhook providers and time, from the moment it is
// raised, each provider's answer (receiver side) until every delivery is recorded as delivered, with the worker
// processes' CPU over that span. And the same-run reference: a bare client posting the same signed payloads.
import { Webhook } from "standardwebhooks";
import { systemClock } from "../../../src/ports.js";
import { raiseReferral } from "../../../src/referrals/raise.js";
import { referralInput } from "../../helpers/referrals.js";
import { type BenchEnv, jitter, percentile, type ServiceProcess, sleep, until } from "./harness.js";
import type { LoopbackHosts } from "./hosts.js";

export interface FanoutSample {
  providers: number;
  /** How long the raise itself took (its transaction, in this process), and when the first and the last provider
   * answered, from the start of the raise (ms). */
  raiseMs: number;
  firstMs: number;
  lastMs: number;
  p95Ms: number;
  /** When the last delivery was recorded as delivered (ms). */
  recordedMs: number;
  /** Worker CPU (user + system) per delivery (ms). */
  cpuPerDeliveryMs: number;
  duplicates: number;
  badSignatures: number;
  /** New TCP connections to the receivers during the sample. */
  connections: number;
}

export async function fanoutOnce(
  bench: BenchEnv,
  hosts: LoopbackHosts,
  workers: ServiceProcess[],
  lotNumber: number,
  providers: number,
  timeoutMs = 600_000,
): Promise<FanoutSample> {
  hosts.reset();
  const cpu0 = workers.reduce((s, w) => s + w.cpuMs(), 0);
  const t0 = performance.now();
  const r = await raiseReferral({ db: bench.db, clock: systemClock, config: bench.config }, referralInput(lotNumber), {
    id: "bench",
    art: false,
  });
  const raiseMs = performance.now() - t0;
  await until(() => hosts.uniqueCount() >= providers, `${providers} providers answered`, timeoutMs);
  const delivered = () => bench.db.delivery.count({ where: { round: { referralId: r.id }, state: "delivered" } });
  await until(async () => (await delivered()) >= providers, "all deliveries recorded", timeoutMs);
  const recordedMs = performance.now() - t0;
  const cpu = workers.reduce((s, w) => s + w.cpuMs(), 0) - cpu0;
  const first = new Map<string, number>();
  for (const a of hosts.answered) if (!first.has(a.path)) first.set(a.path, a.at - t0);
  const times = [...first.values()];
  return {
    providers,
    raiseMs,
    firstMs: Math.min(...times),
    lastMs: Math.max(...times),
    p95Ms: percentile(times, 0.95),
    recordedMs,
    cpuPerDeliveryMs: cpu / providers,
    duplicates: hosts.answered.length - hosts.uniqueCount(),
    badSignatures: hosts.badSignatures,
    connections: hosts.connections,
  };
}

/**
 * The bare-client reference: the payloads the providers just received, each signed again with its provider's
 * secret and POSTed to the same receivers, `concurrency` at a time (the service's worker slots). Deliveries/s.
 */
export async function bareClient(hosts: LoopbackHosts, concurrency: number): Promise<number> {
  const sent = hosts.answered.map((a) => ({ ...a }));
  hosts.reset();
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < sent.length) {
      const a = sent[next++]!;
      const provider = Number(a.path.slice(2));
      const timestamp = new Date();
      const signature = new Webhook(hosts.secretFor(provider)).sign(a.id, timestamp, a.body);
      const res = await fetch(hosts.urlFor(provider), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": a.id,
          "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
          "webhook-signature": signature,
        },
        body: a.body,
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`bare client: HTTP ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return sent.length / ((performance.now() - t0) / 1000);
}

/** A pause with nothing happening between samples, jittered so samples do not line up with the service's timers. */
export const settle = (ms = 1500) => sleep(jitter(ms));
