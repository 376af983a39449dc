# Norn's image: one program, the role chosen with --target.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY actors ./actors
COPY bus ./bus
COPY storage ./storage
COPY gateway ./gateway
COPY logql ./logql
COPY bin ./bin
COPY tools ./tools
COPY ui ./ui
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
EXPOSE 3100
VOLUME /data
ENTRYPOINT ["node", "dist/bin/norn.js"]
CMD ["run", "--data-dir", "/data"]
