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

// Runs the TypeScript CLI through tsx's loader, so the service needs no separate build step.
const { register } = await import("tsx/esm/api");
register();
await import("../cli.ts");
