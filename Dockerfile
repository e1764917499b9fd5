# syntax=docker/dockerfile:1
# One image definition for the three processes: build once, then pick a target
# (`control-plane`, which also serves the web console at /console/, `gateway`,
# `mock-provider`). Node runs as PID 1 so it gets SIGTERM directly (the apps
# drain on it).

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN NX_DAEMON=false NX_NO_CLOUD=true npx nx run-many -t build -p control-plane console gateway mock-provider

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
USER node

FROM runtime AS control-plane
ENV CONTROL_PLANE_PORT=8000
EXPOSE 8000 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.CONTROL_PLANE_PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/apps/control-plane/main.js"]

FROM runtime AS migrate
CMD ["node", "--enable-source-maps", "dist/apps/control-plane/migrate.js"]

FROM runtime AS gateway
ENV GATEWAY_PORT=8080
EXPOSE 8080 9465
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.GATEWAY_PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/apps/gateway/main.js"]

FROM runtime AS mock-provider
ENV MOCK_PROVIDER_PORT=9100 MOCK_PROVIDER_HOST=0.0.0.0
EXPOSE 9100
HEALTHCHECK --interval=10s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.MOCK_PROVIDER_PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/tools/mock-provider/main.js"]
