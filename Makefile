# Tablewatch: `make help` lists the targets.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

uv: ## Install uv with pip when it is missing
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

install: uv ## Create .venv from the committed lock (no resolution, no surprises)
	@$(UV) sync --frozen

chromium: ## Install Debian's headless Chromium for the report test (needs root; skipped otherwise)
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "chromium not installed: the report browser test will be skipped"; }

demo: install ## Whole pipeline on the embedded demo site into data/demo/tablewatch.duckdb
	@$(UV) run tablewatch demo

test: install chromium ## Full test suite
	@$(UV) run pytest $(PYTEST_ARGS)

lint: install ## ruff over the repo
	@$(UV) run ruff check .

train: install ## Refit the learned signal/tone model (nlp/model) from ../shared/dev-corpus, fixed seed
	@$(UV) run python -m nlp.train

bench: install ## Every benchmark; writes benchmarks/RESULTS.md
	@$(UV) run python -m benchmarks.run_all

bench-scale: install ## 50M-sentence warehouse and 50,000-article crawl (about an hour); writes benchmarks/RESULTS-scale.md and benchmarks/plots/
	@$(UV) run python -m benchmarks.run_all --scale

bench-quick: install ## Smallest sizes only (< 3 min): run before committing to a hot path
	@$(UV) run python -m benchmarks.run_all --quick

airflow-demo: install ## The DAGs under a real Airflow on the demo site: runs one day, shows it, stops all
	@scripts/airflow-demo.sh

airflow-celery: install ## Airflow with the CeleryExecutor on 127.0.0.1 (Redis, PostgreSQL, 2 workers); stop: make airflow-celery-stop
	@scripts/airflow-celery.sh start && scripts/airflow-celery.sh status && echo 'CLI: eval "$$(scripts/airflow-celery.sh env)"; .venv/bin/airflow ...'

airflow-celery-stop: ## Stop every process `make airflow-celery` started
	@scripts/airflow-celery.sh stop

.PHONY: help uv install chromium demo test lint train bench bench-scale bench-quick airflow-demo airflow-celery airflow-celery-stop
