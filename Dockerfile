# One image for the wanflow worker and the Model Studio emulator (docker-compose.yml picks the command).
# Node 24: a maintained LTS line that CI runs the whole suite on (.ci/run); package.json engines says what is supported.
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the postinstall fetches the Temporal CLI for local development (dev server, tests). The image runs
# only the worker and the emulator, against the Temporal server of docker-compose.yml, so it needs no CLI.
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
