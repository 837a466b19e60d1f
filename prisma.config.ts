// Prisma's native engines cannot be downloaded on these machines (see STACK.md), so the CLI runs the
// JavaScript schema engine through the pg driver adapter. DATABASE_URL must be set whenever the CLI runs.
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/referral_bot";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
});
