#!/usr/bin/env bash
# Writes a migration for the change in prisma/schema.prisma since the last commit. `prisma migrate dev` does
# not work here: it needs Prisma's native schema engine, which is downloaded from Prisma's servers at first use,
# and these machines cannot reach them, so the CLI runs the JavaScript engine (prisma.config.ts), which can only
# diff two schemas. Usage: npm run db:migration -- <name>
set -euo pipefail
name=${1:?usage: npm run db:migration -- <name>}
cd "$(dirname "$0")/.."
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/referral_bot}
before=$(mktemp --suffix=.prisma)
git show HEAD:prisma/schema.prisma > "$before"
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
mkdir -p "$dir"
npx prisma migrate diff --from-schema-datamodel "$before" --to-schema-datamodel prisma/schema.prisma --script > "$dir/migration.sql"
rm -f "$before"
echo "wrote $dir/migration.sql"
