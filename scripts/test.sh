#!/usr/bin/env bash
# Set up and run the whole test suite, on SQLite and on PostgreSQL.
# PostgreSQL: uses TIDTAM_TEST_PG (default postgres@127.0.0.1:5432/test, trust auth); starts
# or installs a local server when none answers.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/postgres.sh
exec .venv/bin/python -m pytest "$@"
