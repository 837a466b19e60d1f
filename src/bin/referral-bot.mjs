#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so the service needs no separate build step.
import { register } from "tsx/esm/api";

register();
await import("../cli.ts");
