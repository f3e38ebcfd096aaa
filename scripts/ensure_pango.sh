#!/usr/bin/env bash
# WeasyPrint (the PDFs of printed papers) draws text with Pango; Debian images usually have it. Install it when
# missing. The Chinese font itself comes from npm into static files (scripts/build_static.py), not from here.
set -euo pipefail
if ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; then exit 0; fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null
