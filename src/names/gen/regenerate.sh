#!/usr/bin/env bash
# regenerate.sh: rebuild the generated C tables of the names area.
#   src/names/han_tables.c   per-character pinyin and traditional->simplified (from ICU)
#   src/names/name_tables.c  nicknames, surname readings, compound surnames (from test/data)
# Needs libicu-dev, pkg-config, a C compiler and python3; run from anywhere.
# The outputs are committed: the extension's build never runs this.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/gen_han" "$root/src/names/gen/gen_han.c" $(pkg-config --cflags --libs icu-uc icu-i18n)
"$tmp/gen_han" >"$root/src/names/han_tables.c"
python3 "$root/src/names/gen/gen_names.py" "$root" >"$root/src/names/name_tables.c"
