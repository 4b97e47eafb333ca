# Two commands matter: `make demo` and `make test`. Both build .venv from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@echo '$$ vaultnet --vault example-vault index' >&2
	@$(BIN)/vaultnet --vault example-vault index
	@echo '$$ vaultnet --vault example-vault search "kubernetes"' >&2
	@$(BIN)/vaultnet --vault example-vault search kubernetes --limit 5
	@echo '$$ vaultnet --vault example-vault backlinks "Ada Lovelace"' >&2
	@$(BIN)/vaultnet --vault example-vault backlinks "Ada Lovelace"
	@echo '$$ vaultnet --vault example-vault links --unresolved' >&2
	@$(BIN)/vaultnet --vault example-vault links --unresolved

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/bench_index.py

clean:
	rm -rf $(VENV) example-vault/.vaultnet/index build *.egg-info
