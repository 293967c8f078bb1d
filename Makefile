# Set-up is two commands: `make run` and `make test`. Everything else is installed on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-browser lint bench vendor messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/nbassist init --demo
	NBASSIST_SCHEDULER=inprocess $(BIN)/nbassist serve --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(BIN)/pytest

# Only the browser tests (Playwright driving Debian's Chromium at /usr/bin/chromium).
test-browser: $(STAMP)
	$(BIN)/pytest -m browser tests/browser

# Front-end files from the npm registry at the versions pinned in web/vendor-src's lockfile,
# and the editor's properties panel bundled from web/vendor-src/panel by esbuild.
# The outputs are committed, so running the app never needs npm; CI checks they reproduce.
VENDOR_SRC := web/vendor-src
vendor:
	cd $(VENDOR_SRC) && npm ci --ignore-scripts --no-audit --no-fund
	grep -v '^#' $(VENDOR_SRC)/vendor-files.txt | while read -r package file destination; do \
		[ -n "$$package" ] || continue; \
		mkdir -p "$$(dirname "$$destination")"; \
		cp "$(VENDOR_SRC)/node_modules/$$package/$$file" "$$destination"; \
	done
	cd $(VENDOR_SRC) && node build-panel.mjs

# The catalogue for translators, web/translations/messages.pot: pages, forms, diagrams and the
# editor panel's `translate('…')` calls (web/babel.cfg), then each language's messages.po
# updated and compiled to the committed .mo.
# A new language: $(BIN)/pybabel init -i web/translations/messages.pot -d web/translations -l sv
messages: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-by-file -F web/babel.cfg -k _l -k lazy_pgettext:1c,2 -k N_ -k Nn_:1,2 -k translate -c TRANSLATORS: \
		-o web/translations/messages.pot --project nbassist web forms processes engine
	if ls web/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching --ignore-pot-creation-date; \
		$(BIN)/pybabel compile -d web/translations --statistics; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache
