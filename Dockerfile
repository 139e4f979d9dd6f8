# One image for both apps; docker-compose.yml picks the command.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app /app
USER node
EXPOSE 3000 3001
# SIGTERM starts the apps' graceful shutdown (readiness 503, in-flight requests finish, audit buffer written). Exec
# form, so node is PID 1's child under `init: true` (compose) or PID 1 itself and the signal reaches it; a shell form
# would swallow it.
STOPSIGNAL SIGTERM
CMD ["node", "dist/apps/api/src/main.js"]
