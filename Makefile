# gridbot: every target does its own set-up on a fresh clone (venv, package, model).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install model run test demo bench clean

$(STAMP): pyproject.toml
	@echo "gridbot: 正在准备 Python 环境并安装依赖（第一次约需一两分钟）…"
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Trains the models when their saved artefacts are missing or stale (minutes on a fresh clone).
model: install
	@echo "gridbot: 检查模型（缺失或过期时训练：分类模型约 1 分钟，对话模型约 7 分钟）…"
	$(BIN)/gridbot train --if-stale

run: model
	$(BIN)/gridbot db upgrade
	$(BIN)/gridbot run

test: model
	$(BIN)/python -m pytest

demo: model
	@rm -f var/demo.db
	$(BIN)/gridbot replay data/samples/day.jsonl --roster data/roster.sample.csv --db sqlite:///var/demo.db --until 2026-11-21T08:01:00+08:00
	@echo "---- tickets ----"
	$(BIN)/gridbot tickets list --all --db sqlite:///var/demo.db
	@echo "---- digest ----"
	$(BIN)/gridbot digest --date 2026-11-20 --db sqlite:///var/demo.db

bench: model
	$(BIN)/python bench/replay.py

clean:
	rm -rf $(VENV) var .pytest_cache

# ---- Wechaty gateway: owned by the WeChat transport (gateway/README.md) ----------------------
# `npm ci` into gateway/node_modules (git-ignored); the stamp matches what the tests check.
GATEWAY_STAMP := gateway/node_modules/.gridbot-lock

.PHONY: gateway gateway-install bench-wechaty

$(GATEWAY_STAMP): gateway/package.json gateway/package-lock.json
	cd gateway && npm ci --no-audit --no-fund
	cp gateway/package-lock.json $(GATEWAY_STAMP)

gateway-install: $(GATEWAY_STAMP)

# Serves the puppet named by WECHATY_PUPPET in .env on GATEWAY_HOST:GATEWAY_PORT with the token.
gateway: gateway-install
	set -a; if [ -f .env ]; then . ./.env; fi; set +a; cd gateway && exec node serve.js

# Start-up time and message-to-@-mention latency against the mock gateway.
bench-wechaty: model gateway-install
	$(BIN)/python bench/wechaty_latency.py
