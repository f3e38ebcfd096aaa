#!/usr/bin/env bash
# Browser journeys drive Debian's Chromium through Playwright (no browser download). Install it when missing, with a
# CJK font: phones have one, and without it Chinese text is drawn as narrow boxes, so a page can pass the 375 px
# checks while overflowing on every real phone (a 免提交 badge did).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
