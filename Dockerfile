# Telemend: one image, every role (TELEMEND_ROLE = all | broker | worker | api). TypeScript runs
# through tsx (a runtime dependency), so the image is the repository plus production modules.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error
COPY src ./src
COPY web ./web
COPY devices ./devices
COPY simulators ./simulators
COPY tsconfig.json ./
USER node
EXPOSE 8080 1883
ENTRYPOINT ["node", "--import", "tsx"]
CMD ["src/app/main.ts"]
