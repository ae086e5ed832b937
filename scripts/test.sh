#!/usr/bin/env bash
# Set up and run the whole test suite, on SQLite and on PostgreSQL.
# PostgreSQL: uses TIDTAM_TEST_PG (default postgres@127.0.0.1:5432/test, trust auth); starts
# or installs a local server when none answers.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/postgres.sh
# Two workers: most of a browser test is waiting for the stand-in or Chromium, so two at once
# keep this 2-CPU machine busy (CI's 40-minute budget). `-n 0` after it runs them one by one.
exec .venv/bin/python -m pytest -n 2 --dist worksteal "$@"
