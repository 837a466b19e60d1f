// Retry delays close to the Standard Webhooks schedule (seconds, then minutes, then hours), with jitter so a
// provider coming back up is not hit by every retry at once. A receiver's Retry-After wins when it gives one.
export function retryDelayMs(attemptsMade: number, baseMs: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) return retryAfterMs;
  const exp = Math.min(baseMs * 4 ** Math.max(0, attemptsMade - 1), 10 * 3_600_000);
  const jitter = 0.8 + Math.random() * 0.4;
  return Math.round(exp * jitter);
}
