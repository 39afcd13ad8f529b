#!/usr/bin/env bash
# The whole test suite on a fresh Debian/Ubuntu machine: installs what is missing, then runs
# typecheck, lint and every test (unit, integration on real ffmpeg + radosgw, browser in Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
npm run typecheck
npm run lint
npm test
