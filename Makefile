# DTE Trust: build, test, package, benchmark and demo. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PLUGIN_ID  := dte-trust-datasource
EXECUTABLE := gpx_dte_trust
DTE_CACHE  ?= $(HOME)/.cache/dte-trust
export DTE_CACHE
GO_LDFLAGS := -s -w
# Backend targets shipped in the package: os/arch pairs.
PLATFORMS  := linux/amd64 linux/arm64 darwin/arm64 windows/amd64

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# --- dependencies ----------------------------------------------------------------------------------
node_modules/.installed: package.json package-lock.json tests/runtimes/grafana12/package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	npm ci --no-audit --no-fund --loglevel=error --prefix tests/runtimes/grafana12
	touch $@

.PHONY: deps
deps: node_modules/.installed ## install npm packages and Go modules
	go mod download

# --- build -----------------------------------------------------------------------------------------
.PHONY: build build-frontend build-backend build-backend-linux trustq
# The frontend bundle (webpack, mostly one core) builds while the Go builds use the others; a
# failure of any of the three fails the target.
build: node_modules/.installed ## frontend bundle + backend binaries for every platform in dist/, trustq in bin/ (side by side)
	@$(MAKE) --no-print-directory -j 3 build-frontend build-backend trustq

build-frontend: node_modules/.installed
	npm run build --silent

# The platforms build side by side, BUILD_JOBS at a time (default: the number of cores); each is
# its own `go build`, so one failing fails the target (xargs exits non-zero) after the others end.
# All of them use the same flags as build-backend-linux and trustq (-trimpath, CGO_ENABLED=0), so
# the Go build cache compiled for one serves the others and later builds.
BUILD_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
build-backend: ## backend binaries for linux amd64/arm64, darwin arm64, windows amd64 (BUILD_JOBS in parallel)
	@mkdir -p dist
	@printf '%s\n' $(PLATFORMS) | xargs -P $(BUILD_JOBS) -I{} bash -euo pipefail -c '\
	  p={}; os=$${p%/*}; arch=$${p#*/}; ext=; [ "$$os" = windows ] && ext=.exe; \
	  out=dist/$(EXECUTABLE)_$${os}_$${arch}$$ext; start=$$(date +%s); \
	  if CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -ldflags "$(GO_LDFLAGS)" -o $$out ./pkg; \
	  then echo "go build $$out ($$(( $$(date +%s) - start ))s)"; \
	  else echo "go build $$out FAILED" >&2; exit 1; fi'

build-backend-linux: ## only the linux/amd64 backend (fast path for tests)
	@mkdir -p dist
	CGO_ENABLED=0 go build -trimpath -ldflags '$(GO_LDFLAGS)' -o dist/$(EXECUTABLE)_linux_amd64 ./pkg

trustq: ## the trustq command-line tool in bin/
	CGO_ENABLED=0 go build -trimpath -o bin/trustq ./cmd/trustq

# --- package ---------------------------------------------------------------------------------------
.PHONY: package validate
package: build ## the zip Grafana installs (top folder = plugin id), validated
	rm -rf build/package && mkdir -p build/package
	cp -r dist build/package/$(PLUGIN_ID)
	rm -f build/package/$(PLUGIN_ID)/MANIFEST.txt
	chmod 0755 build/package/$(PLUGIN_ID)/$(EXECUTABLE)_*
	cd build/package && zip -qr ../$(PLUGIN_ID).zip $(PLUGIN_ID)
	@echo "wrote build/$(PLUGIN_ID).zip"
	scripts/check-package.sh build/$(PLUGIN_ID).zip

# --- tests -----------------------------------------------------------------------------------------
.PHONY: test lint typecheck test-go test-frontend test-python test-integration test-readme test-protocol test-superset test-e2e
test: lint typecheck test-go test-frontend test-python test-integration test-readme test-protocol test-superset test-e2e package ## everything: lint, typecheck, go vet, go test -race, jest, pytest, real MLflow/Evidently integration, the README's trustq commands, the plugin over Grafana's gRPC plugin protocol, a real Superset with a browser, real-Grafana e2e (only with GRAFANA_URL), package checks
	@if [ -n "$${GRAFANA_URL:-}" ]; then echo "make test: all suites passed"; \
	else echo "make test: all suites that ran passed; the real-Grafana e2e suite did not run (no GRAFANA_URL)"; fi

lint: node_modules/.installed ## gofmt, go vet, eslint + prettier
	@unformatted=$$(gofmt -l pkg cmd tests 2>/dev/null); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...
	go vet -tags integration ./tests/...
	go vet -tags e2e ./tests/...
	go vet -tags protocol ./tests/...
	npm run lint --silent

typecheck: node_modules/.installed ## tsc --noEmit
	npm run typecheck --silent

test-go: ## Go unit tests with the race detector, and the docker-compose.yaml checks
	go test -race -count=1 ./pkg/... ./cmd/...
	go test -count=1 ./tests/compose/...

test-frontend: node_modules/.installed ## jest: React 19 + @grafana/* 13, then React 18 + @grafana/* 12.2 (tests/runtimes)
	npm run test:ci --silent

test-python: ## mypy + pytest of the Python packages (fairness helper, Superset connector)
	scripts/test-python.sh

test-integration: ## against a real MLflow server and a real Evidently UI, started here
	scripts/test-integration-mlflow.sh
	scripts/test-integration-evidently.sh

test-readme: trustq ## every README block with a bin/trustq command, run as written against the native demo (MLflow, no Superset) and examples/
	scripts/test-readme.sh

test-protocol: build-frontend build-backend-linux ## the packaged backend driven over Grafana's plugin protocol (go-plugin + gRPC), no Grafana
	scripts/test-protocol.sh

test-superset: node_modules/.installed trustq ## a real Superset 6.1.0 (PostgreSQL, Redis, Celery) over trustq serve: SQL Lab, the bundle's charts, an alert, headless Chromium
	scripts/test-superset.sh

test-e2e: ## the plugin inside a Grafana you started (GRAFANA_URL, GRAFANA_USER, GRAFANA_PASSWORD); without GRAFANA_URL says it did not run
	scripts/test-e2e.sh

# --- fuzzing ---------------------------------------------------------------------------------------
# Every parser of untrusted input has a fuzz target; `go test` (make test-go) runs their seed
# corpora (f.Add seeds from testdata/ and ../shared/samples, read in place, and each package's
# testdata/fuzz/). `make fuzz` fuzzes each target for FUZZTIME, one after the other; a crasher is
# written to the package's testdata/fuzz/<Target>/ and stays there as a regression seed.
FUZZTIME     ?= 5m
FUZZPARALLEL ?= $(shell nproc 2>/dev/null || echo 1)
# Minimizing each new input derived from a large Evidently file can take the engine's full 60 s;
# a shorter bound leaves the time to fuzzing.
FUZZMINIMIZETIME ?= 10s
FUZZ_TARGETS := \
	pkg/source/evidently:FuzzParse \
	pkg/source/evidently:FuzzWorkspace \
	pkg/source/evidently:FuzzUIAnswers \
	pkg/source/fairness:FuzzDecodeJSON \
	pkg/source/fairness:FuzzDecodeCSV \
	pkg/source/fairness:FuzzKeyPatterns \
	pkg/source/gx:FuzzDecode \
	pkg/source/shap:FuzzDecodeSummary \
	pkg/source/mlflow:FuzzDecodeMetricsPage \
	pkg/source/mlflow:FuzzDecodeAnswer \
	pkg/source/mlflow:FuzzValidateRunFilter \
	pkg/pyjson:FuzzSanitize \
	pkg/trust:FuzzParseQuery \
	pkg/policy:FuzzParseRules

.PHONY: fuzz
fuzz: ## fuzz every parser of untrusted input for FUZZTIME each (default 5m, FUZZPARALLEL workers); crashers land in testdata/fuzz/
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t#*:}; \
	  echo "== $$name ($$pkg, $(FUZZTIME))"; \
	  go test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZETIME) -parallel=$(FUZZPARALLEL) ./$$pkg; \
	done

# --- fixtures, benchmarks, demo ----------------------------------------------------------------------
.PHONY: fixtures bench demo demo-stop
fixtures: ## regenerate testdata from real Evidently, Fairlearn, Great Expectations and shap (pinned venvs)
	scripts/gen-fixtures-evidently.sh
	scripts/gen-fixtures-fairlearn.sh
	scripts/gen-fixtures-gx.sh
	scripts/gen-fixtures-shap.sh

bench: ## run the benchmarks side by side and write BENCHMARKS.md
	scripts/bench.sh > BENCHMARKS.md.tmp && mv BENCHMARKS.md.tmp BENCHMARKS.md
	@echo "wrote BENCHMARKS.md"

demo: build-frontend build-backend-linux trustq ## with Docker: Grafana (official image) + plugin + MLflow + demo evidence at http://localhost:3000; without: MLflow + trustq serve + Superset with the dashboards at http://127.0.0.1:8088
	@if [ "$$(uname -m)" = aarch64 ] || [ "$$(uname -m)" = arm64 ]; then CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -trimpath -ldflags '$(GO_LDFLAGS)' -o dist/$(EXECUTABLE)_linux_arm64 ./pkg; fi
	scripts/demo.sh start

demo-stop: ## stop the demo
	scripts/demo.sh stop

.PHONY: browser-check
browser-check: ## headless Chromium screenshots + render check of every dashboard in the Grafana at GRAFANA_URL (anonymous viewer)
	scripts/browser-check.sh

.PHONY: clean
clean: ## remove build output (caches outside the repo stay)
	rm -rf dist build bin coverage
