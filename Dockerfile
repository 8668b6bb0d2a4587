# Strata in one image: the web application is built first, then embedded into the Go
# binary (web/embed.go), which runs on a small Debian base as a non-root user.

# The web application, built into web/dist.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# The server, with web/dist from the stage above embedded.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/web/dist ./web/dist
RUN CGO_ENABLED=0 go build -trimpath -o /out/strata ./cmd/strata

# The runtime: the binary alone, as an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/* \
  && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin strata \
  && install -d -o strata -g strata -m 0750 /var/lib/strata/blobs
COPY --from=build /out/strata /usr/local/bin/strata
USER strata
# Attached files (evidence, workpapers); mount a volume here so they outlive the container.
ENV STRATA_BLOB_DIR=/var/lib/strata/blobs
VOLUME /var/lib/strata/blobs
EXPOSE 8080
ENTRYPOINT []
CMD ["strata", "serve"]
