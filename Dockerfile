# The raytls image: `raytls signer serve` for the signer Deployment and `raytls pod-cert --signer`
# for the Ray pods' init containers (raytls manifest --mode signer). See docs/signer.md.
#   docker build -t raytls:0.1.0 .
# Not built in this repository's CI: its machines have no container engine.

# --- build: dev dependencies, bundle with esbuild -------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds, and the sources are not copied yet.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY bin ./bin
COPY proto ./proto
RUN node scripts/build.mjs

# --- runtime: production dependencies only, non-root ----------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
COPY --from=build /src/proto ./proto
RUN chmod 0755 bin/raytls.mjs && ln -s /app/bin/raytls.mjs /usr/local/bin/raytls
# uid/gid 1000 (`node`): the manifests set runAsUser 1000 and runAsNonRoot.
USER node
EXPOSE 8443
ENTRYPOINT ["raytls"]
CMD ["--help"]
