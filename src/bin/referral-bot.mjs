#!/usr/bin/env node
// Production (NODE_ENV=production) runs the JavaScript compiled by `npm run build` into dist/; development runs
// the TypeScript directly through tsx's loader (a devDependency, so it is absent from a production install).
import { existsSync } from "node:fs";

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
