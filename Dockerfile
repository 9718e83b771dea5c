# alpsim in a container: our dikastes, pilot-webhook and the alpsim CLI, so they can run in-cluster in
# place of Calico's (scripts/kind/up --use-alpsim-images; alpsim kind export --dikastes-image).
# Laid out like Calico's dikastes image: ENTRYPOINT /dikastes, CMD server, /healthz for the probes,
# UID 999. Build from the repository root: docker build -t alpsim/alpsim:dev .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY packages ./packages
COPY scenarios ./scenarios
COPY scripts/kind ./scripts/kind
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npx tsc -b \
 && npm prune --omit=dev --no-audit --no-fund --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
COPY docker/dikastes docker/healthz docker/pilot-webhook /
RUN chmod 0755 /dikastes /healthz /pilot-webhook \
 && ln -s /app/packages/cli/bin/alpsim.js /usr/local/bin/alpsim
USER 999:999
ENTRYPOINT ["/dikastes"]
CMD ["server"]
