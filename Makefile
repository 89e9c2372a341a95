# Set-up and everyday commands. Run as root on Debian 12 (bookworm) or newer.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
# `outreach` on the PATH, as every message spells it: a link to the virtual environment's command.
PREFIX ?= /usr/local
# Debian packages: WeasyPrint's Pango and fast font subsetting, poppler/zbar/qpdf to read PDFs back,
# espeak-ng, ffmpeg and libmpg123 for audio, Chromium to check the catalog page as a browser shows it and to
# drive the studio (`outreach serve`) through Playwright (pip's playwright, no browser download),
# hunspell-vi for the spelling check, PostgreSQL for the province server's tests (a throw-away cluster),
# redis-server for its build queue's tests (a throw-away Redis).
APT_PACKAGES = python3 python3-venv python3-pip libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libmpg123-0 \
               poppler-utils zbar-tools qpdf espeak-ng ffmpeg chromium hunspell hunspell-vi postgresql \
               redis-server

.PHONY: system install demo lint test bench clean

system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BIN)/outreach: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: system $(BIN)/outreach
	mkdir -p $(PREFIX)/bin
	ln -sfn $(abspath $(BIN)/outreach) $(PREFIX)/bin/outreach

demo: install
	$(BIN)/outreach build --print

lint: install
	$(BIN)/ruff check outreach scripts
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

bench: install
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_build.py 100
	$(BIN)/python scripts/bench_studio.py

clean:
	rm -rf build
