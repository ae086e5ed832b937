#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with trust auth for user postgres.
# Skipped when TIDTAM_TEST_PG points elsewhere (the tests then use that server as it is).
set -euo pipefail
[ -n "${TIDTAM_TEST_PG:-}" ] && exit 0
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
answers() { psql -h 127.0.0.1 -U postgres -d test -tAc 'select 1' >/dev/null 2>&1; }

answers && exit 0
if ! command -v pg_ctlcluster >/dev/null; then
  echo "ติดตั้ง PostgreSQL"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n1)
as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -q && break; sleep 1; done  # wait for the port
if ! answers; then
  # A fresh Debian cluster asks for passwords on TCP: the test server trusts local connections.
  hba=/etc/postgresql/$version/main/pg_hba.conf
  as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  as_root su postgres -c "psql -tAc \"select 1 from pg_database where datname='test'\" | grep -q 1 || createdb test"
fi
answers || { echo "PostgreSQL ยังใช้ไม่ได้ที่ 127.0.0.1:5432" >&2; exit 1; }
