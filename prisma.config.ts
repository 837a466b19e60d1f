// Prisma's native engines are downloaded from Prisma's servers at first use, which the machines this runs on
// cannot reach, so the CLI runs the JavaScript schema engine through the pg driver adapter. The CLI needs a
// DATABASE_URL whenever it runs, even for `prisma generate` (npm's postinstall), hence the local default.
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/referral_bot";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
});
