// Starts lib/bare-bolt.ts as a process of its own (the same tsx loader as the benchmark, Node's default heap
// sizes: the most room Bolt alone could have) and hands back its base URL.
import { spawn } from "node:child_process";
import { resolve } from "node:path";

export async function startBareBolt(signingSecret: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [...process.execArgv, resolve(import.meta.dirname, "bare-bolt.ts")], {
    env: { ...process.env, BARE_BOLT_SECRET: signingSecret },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise<number>((ok, fail) => {
    child.once("message", (m) => ok((m as { port: number }).port));
    child.once("exit", (code) => fail(new Error(`bare Bolt exited (${code}) before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
