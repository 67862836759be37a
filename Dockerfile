# syntax=docker/dockerfile:1
# One image recipe for the four apps; the app is a build argument:
#   docker build --build-arg APP=socket -t chat-socket .
# docker-compose.yml builds each service with its APP.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG APP
RUN test -n "$APP" || (echo "build with --build-arg APP=api|socket|file|worker" && exit 1)
WORKDIR /repo
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY .swcrc tsconfig.base.json ./
COPY libs libs
COPY proto proto
COPY apps/${APP}/src apps/${APP}/src
RUN npx swc apps/${APP}/src libs -d dist --config-file .swcrc --ignore '**/*.spec.ts' --quiet \
 && npm prune --omit=dev

FROM ${NODE_IMAGE}
ARG APP
ARG PORT
# The app's Node flags (scripts/paths.mjs NODE_FLAGS; compose passes the socket app's).
ARG NODE_FLAGS=""
ENV NODE_ENV=production HOST=0.0.0.0 APP=${APP} HEALTH_PORT=${PORT} FILE_STORAGE_DIR=/data/files \
  NODE_FLAGS=${NODE_FLAGS}
WORKDIR /app
COPY --from=build --chown=node:node /repo/package.json ./
COPY --from=build --chown=node:node /repo/node_modules node_modules
COPY --from=build --chown=node:node /repo/dist dist
COPY --from=build --chown=node:node /repo/proto proto
# Uploads live here (file app); mount a volume (compose does) or point FILE_STORAGE_DIR elsewhere.
RUN mkdir -p /data/files && chown node:node /data/files
USER node
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.HEALTH_PORT}/health`).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# exec: node replaces the shell as PID 1, so SIGTERM reaches it and the graceful shutdown runs.
CMD ["sh", "-c", "exec node --enable-source-maps $NODE_FLAGS dist/apps/$APP/src/main.js"]
