# One image for the wanflow worker and the Model Studio emulator (docker-compose.yml picks the command).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the postinstall builds the Temporal CLI for local development; containers use the Temporal server image.
RUN npm ci --ignore-scripts --omit=dev
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY assets ./assets
COPY schema ./schema
ENV NODE_ENV=production
# A worker sized for a 1 GB container: V8 otherwise grows its heap lazily toward a quarter of the host's RAM.
ENV NODE_OPTIONS=--max-old-space-size=768
# tsx runs the TypeScript sources directly; the worker bundles workflow code at start.
ENTRYPOINT ["node_modules/.bin/tsx"]
CMD ["src/worker.ts"]
