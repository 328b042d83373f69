# The two commands a newcomer needs: `make run` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test bench lint typecheck format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m bot run

# The store's suite again on PostgreSQL (RR_TEST_BACKEND=postgresql: a throwaway server in a
# temp dir, see tests/pg_switch.py), when its server programs are installed; else it says why.
PG_SUITE ?= tests/unit/test_store.py tests/unit/test_pg.py tests/unit/test_store_config.py \
	tests/unit/test_outbox.py tests/unit/test_delivery.py tests/unit/test_digest_service.py \
	tests/unit/test_follow_units.py tests/unit/test_watch_ingest.py tests/unit/test_watch_flood.py \
	tests/unit/test_watch_edits.py tests/unit/test_ingest_scale.py tests/unit/test_retention.py
# The catalog stores' tests (lookups, prices, lineage, doctor, identity, reads, sync, importers).
PG_SUITE += tests/unit/test_lookups.py tests/unit/test_prices.py tests/unit/test_lineage.py \
	tests/unit/test_doctor.py tests/unit/test_identity.py tests/unit/test_reads_at_scale.py \
	tests/unit/test_sync_engine.py tests/unit/test_sync_changes.py tests/unit/test_importers.py \
	tests/unit/test_hub_sync.py

test: install
	$(BIN)/python -m pytest -q
	@reason="$$($(BIN)/python -c 'from tests.pg_server import unavailable_reason as r; print(r() or "")')"; \
	if [ -n "$$reason" ]; then echo "PostgreSQL tests not run: $$reason"; \
	else echo "The store suite on PostgreSQL:"; \
	RR_TEST_BACKEND=postgresql $(BIN)/python -m pytest -q -p no:randomly $(PG_SUITE); fi

# Every bench/*.py in turn, then one table of their SUMMARY lines (bench/summary.py).
bench: install
	@PYTHONPATH=. $(BIN)/python bench/summary.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot

# The type check alone (part of lint); its settings are [tool.mypy] in pyproject.toml.
typecheck: install
	$(BIN)/mypy bot

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
