# syntax=docker/dockerfile:1
# One image for every role: `serve --role web`, `serve --role worker`, `migrate` (and the other CLI commands).
#   docker build -t referral-bot .
#   docker run --env-file .env referral-bot migrate
#   docker run --env-file .env -p 3000:3000 referral-bot serve --role web
#   docker run --env-file .env referral-bot serve --role worker
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: TypeScript (and the generated Prisma client) compiled to dist/ ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: the Prisma client is generated below, once the schema is in, and no engine is downloaded.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY prisma.config.ts tsconfig.json tsconfig.build.json ./
COPY prisma ./prisma
COPY src ./src
COPY adapters ./adapters
COPY test/fixtures/providers.csv ./test/fixtures/providers.csv
RUN npx prisma generate && npm run build

# --- runtime: production dependencies and the compiled output only ---
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    METRICS_PORT=9464 \
    MIGRATE_ON_START=false \
    CHECKPOINT_DISABLE=1
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY prisma.config.ts ./
COPY prisma ./prisma
COPY src/bin/referral-bot.mjs ./src/bin/referral-bot.mjs
# The node images' unprivileged user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000 9464
# slim has no curl: Node's fetch checks the ops listener (every role has it), or the web port when it is off.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const p=Number(process.env.METRICS_PORT)||Number(process.env.PORT);fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "src/bin/referral-bot.mjs"]
CMD ["serve", "--role", "web"]
