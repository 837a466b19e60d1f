#!/usr/bin/env node
// The CLI entry (`referral-bot ...`, `npm start`, `npm run demo`). The Node version is checked first, before any
// dependency loads: on an older Node they fail deep inside (an undici stack trace) without naming the cause.
// npm scripts run on the Node 24 that `npm install` adds as an optional dependency (node_modules/.bin/node comes
// first on their PATH), so this line is for someone running the file with their own, older Node.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `referral-bot needs Node 22.12 or newer (24 recommended), but this is Node ${process.versions.node}: ` +
      "run it through npm (npm start, npm run demo), which uses the Node 24 that npm install added, or put Node 24 first on PATH.\n",
  );
  process.exit(1);
}

// `serve` sizes V8's heap for its role before anything is loaded. V8 fixes its heap limits when the process starts
// (v8.setFlagsFromString afterwards changes nothing), so the flags are applied by replacing this process with
// `node <flags> <this file> <args>` (process.execve: the same process id, no second process held in memory). By
// default V8 lets the young generation grow to 64 MB; a few MB serves this service's short-lived objects, and each
// MB of semi-space is held for the life of the process (the young generation grows to its limit at start-up and
// never shrinks). The web role gets 8: with 2, a burst of Slack requests promoted the objects of requests still in
// flight and its collector took some 15% of the CPU; 8 cut the acks' worst p99 in both of two alternating pairs for
// some 14 MB at idle. The worker gets 8: at full speed its collector took about a fifth of its CPU with 2 and
// still some 18% of it with 4, the in-flight sends of fifty batches living through each young-generation collection.
// Measurements disagreed from one machine to the next on what more costs lanes to one host (whose allocation rate
// is low); in the last, two alternating rounds of 4, 6 and 8 fanned out at 0.47 / 0.44, 0.53 / 0.51 and 0.57 /
// 0.52 of the bare client, and two of 8 and 4 put the one host's CPU per delivery at 1.06 / 1.12 and 1.15 / 1.14 x
// the distinct hosts', for some 9 MB more at idle (139 against 130 MB). glibc's malloc keeps
// an arena per thread that ever allocated (V8's compiler and collector threads do); two arenas hold about 5 MB less
// at idle. Flags and MALLOC_ARENA_MAX already given (in the environment or on node's command line) are left alone,
// so an operator can set their own. Not on Windows (no execve): there, node's defaults apply.
const args = process.argv.slice(2);
const HEAP_BY_ROLE = {
  // MB: young-generation semi-space, old-generation limit.
  web: { semi: 8, old: 192 },
  worker: { semi: 8, old: 256 },
  all: { semi: 4, old: 320 },
};
if (args[0] === "serve" && !process.env.REFERRAL_BOT_HEAP_SIZED && typeof process.execve === "function") {
  const roleAt = args.indexOf("--role");
  const sizes = HEAP_BY_ROLE[roleAt > 0 ? args[roleAt + 1] : "all"];
  const given = `${process.env.NODE_OPTIONS ?? ""} ${process.execArgv.join(" ")}`;
  const flags = [];
  if (sizes && !/--max-semi-space-size/.test(given)) flags.push(`--max-semi-space-size=${sizes.semi}`);
  if (sizes && !/--max-old-space-size/.test(given)) flags.push(`--max-old-space-size=${sizes.old}`);
  // Prisma's query compiler is WebAssembly. V8 first compiles it with its baseline compiler (Liftoff), then
  // recompiles the busiest functions with its optimising one in the background, which kept another 5-15 MB of
  // code and compiler memory for the life of the process; the fan-out benchmark's CPU per delivery was no worse
  // with the baseline code alone, so that is all this process keeps.
  if (sizes && !/--(no-)?liftoff|--wasm-/.test(given)) flags.push("--liftoff-only");
  if (flags.length) {
    process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)], {
      ...process.env,
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2",
      REFERRAL_BOT_HEAP_SIZED: "1",
    });
  }
}

// The compiled JavaScript (`npm run build` into dist/) when it is there and newer than every source file: tsx
// compiles the TypeScript at start-up, which costs about a second and some 50 MB of memory for the life of the
// process. Otherwise (a fresh clone, or source edited since the build) the TypeScript runs directly through tsx's
// loader, so `npm run demo` and development never need a build step. Production (NODE_ENV=production) always runs
// dist/, which it must have: tsx is a devDependency, absent from a production install.
const { existsSync, readdirSync, statSync } = await import("node:fs");
const { fileURLToPath } = await import("node:url");

const built = new URL("../../dist/src/cli.js", import.meta.url);
const root = fileURLToPath(new URL("../../", import.meta.url));
/** Whether some TypeScript under src/ or adapters/ changed after dist/ was built (checked by modification time). */
function builtIsStale() {
  const builtAt = statSync(built).mtimeMs;
  for (const dir of ["src", "adapters"]) {
    for (const entry of readdirSync(`${root}${dir}`, { recursive: true, withFileTypes: true })) {
      if (
        entry.isFile() &&
        entry.name.endsWith(".ts") &&
        statSync(`${entry.parentPath}/${entry.name}`).mtimeMs > builtAt
      )
        return true;
    }
  }
  return false;
}

if (process.env.NODE_ENV === "production") {
  if (!existsSync(built)) {
    process.stderr.write("dist/ is missing: run `npm run build` before starting with NODE_ENV=production\n");
    process.exit(1);
  }
  await import(built.href);
} else if (existsSync(built) && !builtIsStale()) {
  await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../cli.ts");
}
