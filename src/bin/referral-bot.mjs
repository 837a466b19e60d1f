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

// Production (NODE_ENV=production) runs the JavaScript compiled by `npm run build` into dist/; development runs
// the TypeScript directly through tsx's loader (a devDependency, so it is absent from a production install).
const { existsSync } = await import("node:fs");

const built = new URL("../../dist/src/cli.js", import.meta.url);
if (process.env.NODE_ENV === "production") {
  if (!existsSync(built)) {
    process.stderr.write("dist/ is missing: run `npm run build` before starting with NODE_ENV=production\n");
    process.exit(1);
  }
  await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../cli.ts");
}
