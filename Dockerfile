# Telemend: one image, every role (TELEMEND_ROLE = all | broker | worker | api). TypeScript runs
# through tsx (a runtime dependency), so the image is the repository plus production modules.
# The web interfaces are built in a stage of their own (Vite and the web libraries are build-time
# dependencies); the image gets their build, web/dist.
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
COPY web/package.json ./web/
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web ./web
RUN npm run build:web

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY web/package.json ./web/
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error
COPY src ./src
COPY --from=web /app/web/dist ./web/dist
COPY devices ./devices
COPY simulators ./simulators
COPY tsconfig.json ./
USER node
EXPOSE 8080 1883
ENTRYPOINT ["node", "--import", "tsx"]
CMD ["src/app/main.ts"]
