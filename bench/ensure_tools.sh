#!/usr/bin/env bash
# The load tools bench/accept_api.py needs: wrk (HTTP load) and pgbench (PostgreSQL client tools), from Debian.
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v pgbench >/dev/null || [ -x /usr/lib/postgresql/15/bin/pgbench ] || need+=(postgresql-client-15)
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
