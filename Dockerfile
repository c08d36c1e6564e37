# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim
WORKDIR /app
COPY . .
RUN npm ci && npm prune --omit=dev --ignore-scripts
USER node
ENTRYPOINT ["node", "apps/cli/bin/syncframe.js"]
