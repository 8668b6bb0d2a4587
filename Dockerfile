FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/strata ./cmd/strata

FROM debian:bookworm-slim
COPY --from=build /out/strata /usr/local/bin/strata
EXPOSE 8080
ENTRYPOINT []
CMD ["strata", "serve"]
