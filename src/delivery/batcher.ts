// Group commit for the send path's statements. In a fan-out, dozens of sends claim and finish their deliveries
// within a few milliseconds of each other, and each statement alone costs a round trip to PostgreSQL and a write
// on its socket (on loopback, the kernel's work for both ends is charged to the writer), which was about a fifth
// of the worker's CPU per delivery. A call made while none of its kind is running goes at once, alone, so a quiet
// service never waits; calls made while one runs wait for it and then go together, in one statement.

interface Waiting<K, R> {
  key: K;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

export class Batcher<K, R> {
  private readonly waiting: Waiting<K, R>[] = [];
  private running = false;

  /** `run` answers a batch of keys with one result per key, in the same order. */
  constructor(
    private readonly run: (keys: K[]) => Promise<R[]>,
    private readonly maxBatch = 64,
  ) {}

  call(key: K): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /** Several keys at once: they go together in one statement (with any others waiting), never the first alone. */
  callAll(keys: K[]): Promise<R[]> {
    if (keys.length === 0) return Promise.resolve([]);
    const answers = keys.map((key) => new Promise<R>((resolve, reject) => this.waiting.push({ key, resolve, reject })));
    if (!this.running) void this.drain();
    return Promise.all(answers);
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxBatch);
        try {
          const results = await this.run(batch.map((w) => w.key));
          for (const [i, w] of batch.entries()) w.resolve(results[i] as R);
        } catch (err) {
          // Each caller fails as its own statement would have; its job retries.
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** One batcher per key object (a database pool) and kind, made when first asked for. */
export function batcherPer<O extends object, K, R>(make: (owner: O) => Batcher<K, R>): (owner: O) => Batcher<K, R> {
  const made = new WeakMap<O, Batcher<K, R>>();
  return (owner) => {
    let b = made.get(owner);
    if (!b) {
      b = make(owner);
      made.set(owner, b);
    }
    return b;
  };
}
