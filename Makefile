# Strata: `make run` starts the server with demo data, `make test` runs every test.
GO        ?= go
BIN       := bin/strata
PG_VERSION = $(shell ls /etc/postgresql 2>/dev/null | sort -n | tail -1)

.PHONY: run build web web-deps test web-test e2e vet fmt-check openapi-lint bench fuzz soak db clean

# The demo signs its checkpoints with a key of its own under data/ (made once) and
# exports them to data/checkpoints, so `bin/strata trail verify` has both to check.
run: web build db
	$(BIN) seed
	mkdir -p data/checkpoints && (test -f data/signing.key || $(BIN) keys generate -o data/signing.key)
	STRATA_SIGNING_KEY=data/signing.key STRATA_CHECKPOINT_DIR=data/checkpoints $(BIN) serve

build:
	$(GO) build -o $(BIN) ./cmd/strata

# The web application, built into web/dist, which the Go build embeds.
web-deps:
	cd web && npm ci --no-audit --no-fund

web: web-deps
	cd web && npm run build

# Starts the local PostgreSQL cluster when it is installed but not running.
db:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  echo "starting PostgreSQL $(PG_VERSION)"; \
	  pg_ctlcluster --skip-systemctl-redirect $(PG_VERSION) main start; \
	  for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }

# The S3 contract tests run against a real S3-compatible server (versitygw), which
# .ci/s3 installs when missing and starts on 127.0.0.1:7070.
test: db fmt-check vet openapi-lint web-test e2e
	eval "$$(bash .ci/s3 start)" && $(GO) test -race -count=1 -timeout 15m ./...

web-test: web-deps
	cd web && npm test

# End-to-end: the built server and web application in Debian's chromium, against a
# fresh database; screenshots and the accessibility report land in test-output/e2e.
e2e: web build db
	cd web && npm run e2e

vet:
	$(GO) vet ./...

# Lints the API description the server publishes, as the binary builds it, with Redocly's
# recommended rules (web/redocly.yaml). The linter comes from web/node_modules and is
# told not to report usage or look for updates, so nothing is fetched while testing.
# It runs the command from source rather than through `build`: make runs a target once
# per invocation, and a binary built here, before `web`, would lack the web application
# that e2e needs.
openapi-lint: web-deps
	mkdir -p test-output && $(GO) run ./cmd/strata openapi -o test-output/openapi.json && cd web && \
	  REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	  npx --no redocly lint --config redocly.yaml ../test-output/openapi.json

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Prints throughput, lag, rebuild, log-read, list-latency, import-memory and server-memory figures;
# takes a few minutes, and the server's memory over 1,000,000 events about 20 more.
bench: db
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./api ./projections/risks ./events/copier ./queries/controls ./queries/audits ./queries/cases ./queries/trail ./queries/seal ./queries/dashboard
	$(GO) test -run '^$$' -bench BenchmarkReadAll ./events/postgres
	eval "$$(bash .ci/s3 start)" && $(GO) test -run '^$$' -bench . -benchtime 3x ./commands/blobs
	$(GO) test -run '^$$' -bench BenchmarkEvidenceTransfer -benchtime 1x ./cmd/strata
	$(GO) test -run '^$$' -bench BenchmarkServerMemory -benchtime 1x -timeout 60m ./cmd/strata

# Runs each fuzz target for a minute (FUZZTIME=10s for less); `make test` replays
# their seeds and testdata/fuzz corpora.
fuzz:
	FUZZTIME=$${FUZZTIME:-1m} .ci/fuzz

# Crash soak: writes over HTTP while the server is killed with SIGKILL 20 times and its
# own throwaway PostgreSQL cluster is restarted twice; prints the figures. `make test`
# runs a short version (3 kills on the shared test database).
soak: db
	STRATA_SOAK_KILLS=20 STRATA_SOAK_PG_RESTARTS=2 $(GO) test -count=1 -v -timeout 30m -run '^TestCrashSoak$$' ./cmd/strata

clean:
	rm -rf bin test-output web/node_modules web/dist/assets web/dist/index.html
