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
# The diff engine connects to the database named in DATABASE_URL even though it only compares two files.
db=${DATABASE_URL##*/}; db=${db%%\?*}
psql "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
  psql "${DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE \"$db\""
sql=$(npx prisma migrate diff --from-schema-datamodel "$before" --to-schema-datamodel prisma/schema.prisma --script)
rm -f "$before"
if [ -z "$(printf '%s' "$sql" | grep -v '^--' | tr -d '[:space:]')" ]; then
  echo "no change in prisma/schema.prisma since the last commit: no migration written" >&2
  exit 1
fi
mkdir -p "$dir"
printf '%s\n' "$sql" > "$dir/migration.sql"
echo "wrote $dir/migration.sql"
