#!/usr/bin/env bash
# Serve doorstep: the huey consumer (background and periodic work: audit sealing) and gunicorn with whitenoise.
# The access log names paths (%(U)s), never query strings or referers: searches carry ID and phone numbers there
# (doorstep.core.accesslog masks them too, whatever the format).
set -euo pipefail
HOST=${HOST:-127.0.0.1}; PORT=${PORT:-8000}; WORKERS=${WORKERS:-3}
# QR codes and links for residents use the public base URL; by default the address served here (docs/deploy.md),
# and when serving on every interface, this machine's first address, which phones on the same network can open.
PUBLIC_HOST=$HOST; [ "$HOST" = "0.0.0.0" ] && PUBLIC_HOST=$(hostname -I 2>/dev/null | awk '{print $1}')
export DOORSTEP_PUBLIC_BASE_URL=${DOORSTEP_PUBLIC_BASE_URL:-http://${PUBLIC_HOST:-127.0.0.1}:$PORT}
.venv/bin/python -m doorstep.cli run_huey --workers 1 --quiet &
HUEY_PID=$!
trap 'kill $HUEY_PID 2>/dev/null || true' EXIT INT TERM
echo "doorstep 正在运行 / serving at http://$HOST:$PORT/  (Ctrl-C 停止)"
DOORSTEP_DEBUG=${DOORSTEP_DEBUG:-0} .venv/bin/gunicorn doorstep.wsgi:application \
  --workers "$WORKERS" --bind "$HOST:$PORT" --timeout 120 --access-logfile - \
  --access-logformat '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"' \
  --logger-class doorstep.core.accesslog.AccessLogger
