#!/bin/bash
# A Redis for the farm's queue, as a farm needs it: AOF with fsync always (a restart loses no
# title), maxmemory-policy noeviction (nothing dropped under memory pressure), no RDB snapshots,
# on 127.0.0.1 only. Development and tests; a studio runs the same settings from redis.conf
# (README: "A station farm"). Usage: scripts/redis-up.sh [DIR] [PORT]
set -euo pipefail
DIR=${1:-${TMPDIR:-/tmp}/ingest-redis}; PORT=${2:-6390}
mkdir -p "$DIR"
exec redis-server --port "$PORT" --bind 127.0.0.1 --dir "$DIR" --appendonly yes --appendfsync always \
  --maxmemory-policy noeviction --save '' --daemonize no
