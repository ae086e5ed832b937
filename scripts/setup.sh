#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for Tidtam: system packages, a venv, the project.
# Safe to run again: it installs only what is missing. Sourced by demo.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Chromium for Playwright (never a downloaded browser; the pushes use Debian's
# headless shell build, lighter and faster to start, and the full chromium renders reports),
# Thai fonts for screenshots, documents and charts (Laksaman stands in for TH Sarabun New),
# LibreOffice and poppler to render the reports to PDF in the tests; LibreOffice Calc and its
# Python bridge (python3-uno, for the system Python) to test workbooks saved and typed in Calc.
SYSTEM_PACKAGES=(chromium chromium-headless-shell fonts-thai-tlwg fonts-noto-core libreoffice-writer-nogui libreoffice-impress-nogui
                 libreoffice-calc-nogui python3-uno poppler-utils)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}" "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ติดตั้งแพ็กเกจระบบ: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "ต้องใช้ Python 3.11 ขึ้นไป ($PYTHON คือ $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# Reinstall only when pyproject.toml changed since the last successful install.
stamp=.venv/.pyproject.sha256
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "ติดตั้งแพ็กเกจ Python ลงใน .venv"
  if ! { .venv/bin/python -m pip install -q --upgrade pip && .venv/bin/python -m pip install -q -e '.[test]'; } >.venv/install.log 2>&1; then
    cat .venv/install.log >&2
    exit 1
  fi
  echo "$want" >"$stamp"
fi
.venv/bin/python -c 'import tidtam.core.db' # fail here, not later, if the install is broken
