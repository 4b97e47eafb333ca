# Two commands matter: `make demo` and `make test`. Both build .venv from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,mcp]'
	touch $(STAMP)

# The example vault's dates are fixed, so the demo fixes "today" too.
DEMO := $(BIN)/vaultnet --vault example-vault --today 2026-11-22

# vaultnet's own bytecode, compiled as an installed package's is (pip compiles at install; an
# editable install leaves it to the first run, which a PYTHONDONTWRITEBYTECODE machine never
# keeps: every process then compiled vaultnet's modules again, 0.1 s of each command).
COMPILE := $(BIN)/python -m compileall -q vaultnet >/dev/null

demo: $(STAMP)
	@$(COMPILE)
	@echo '$$ vaultnet --vault example-vault index' >&2
	@$(DEMO) index
	@echo '$$ vaultnet --vault example-vault due --within 7' >&2
	@$(DEMO) due --within 7
	@echo '$$ vaultnet --vault example-vault ledger' >&2
	@$(DEMO) ledger
	@echo '$$ vaultnet --vault example-vault news' >&2
	@$(DEMO) news
	@echo '$$ vaultnet --vault example-vault references' >&2
	@$(DEMO) references
	@echo '$$ vaultnet --vault example-vault search kubernetes --limit 5' >&2
	@$(DEMO) search kubernetes --limit 5
	@echo '$$ vaultnet --vault example-vault backlinks "Ada Lovelace"' >&2
	@$(DEMO) backlinks "Ada Lovelace"
	@echo '$$ vaultnet --vault example-vault links --unresolved' >&2
	@$(DEMO) links --unresolved
	@echo '$$ vaultnet --vault example-vault import linkedin example-vault/Attachments/Connections.csv --dry-run' >&2
	@$(DEMO) import linkedin example-vault/Attachments/Connections.csv --dry-run
	@echo '$$ vaultnet --vault example-vault import calendar example-vault/Attachments/calendar.ics --dry-run' >&2
	@$(DEMO) import calendar example-vault/Attachments/calendar.ics --dry-run
	@echo '$$ vaultnet --vault example-vault doctor   (exits 1: the example vault has problems on purpose)' >&2
	@$(DEMO) doctor || true
	@echo '$$ vaultnet --vault example-vault report' >&2
	@$(DEMO) report

# The checks that keep the house in order run first: the layer contracts (import-linter),
# ruff and mypy. Then the suite. The graph page is tested in headless Chromium (Debian's
# package); install it when we can.
lint: $(STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check --no-cache vaultnet tests bench
	$(BIN)/mypy --cache-dir=/dev/null vaultnet

test: lint
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1; } || \
	  echo "note: chromium is not installed; the browser test will be skipped" >&2
	@$(COMPILE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	@$(COMPILE)
	$(BIN)/python bench/bench_index.py
	$(BIN)/python bench/bench_watch.py
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_capture.py
	$(BIN)/python bench/bench_graph.py
	$(BIN)/python bench/bench_mcp.py

clean:
	rm -rf $(VENV) example-vault/.vaultnet/index build *.egg-info
