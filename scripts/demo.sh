#!/usr/bin/env bash
# The main job on a fresh Debian/Ubuntu machine: installs ffmpeg and the npm dependencies when
# missing, generates a 10-second 1080p sample master, and runs it through the whole pipeline into
# a folder destination (./ingest-output), printing where the verified package went.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
[ -f out/cli/index.js ] || npm run build

mkdir -p sample
master="sample/Sample Master.mov"
if [ ! -s "$master" ]; then
  echo "generating $master (10 s, 1080p24 ProRes + 48 kHz tone)"
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i testsrc2=s=1920x1080:r=24:d=10 -f lavfi -i sine=f=440:sample_rate=48000:d=10 \
    -c:v prores -c:a pcm_s16le -shortest "$master"
fi
node bin/ingest-station.js ingest "$master" "$@"
