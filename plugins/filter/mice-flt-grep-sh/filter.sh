#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
#
# Lines-mode filter (docs/plugin-protocol.md section 8): one record's log data per input line;
# answer with an empty line to drop it, any other line to keep it. Drops lines that contain the
# fixed text MICE_FLT_GREP_PATTERN, else config "pattern" (a plain JSON string), else DROPME.
pattern=${MICE_FLT_GREP_PATTERN:-$(printf '%s\n' "${MICE_PLUGIN_CONFIG:-}" |
    sed -n 's/.*"pattern"[[:space:]]*:[[:space:]]*"\([^"\\]*\)".*/\1/p')}
pattern=${pattern:-DROPME}
while IFS= read -r line; do
    case $line in
        *"$pattern"*) echo "" ;;
        *) printf '%s\n' "${line:-keep}" ;;
    esac
done
