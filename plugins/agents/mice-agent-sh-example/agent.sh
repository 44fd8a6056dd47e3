#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
#
# Example reaction agent in POSIX sh, run by mice-agent-shell once per alert (no shell string:
# the wrapper execs this file). Arguments: OUTPUT_FILE, then the alert's alert ID, reaction ID,
# classification, analyzer ID, source address, target address and description (tokens checked by
# the wrapper; "-" when missing or unsafe). The IDMEF message is on standard input.
# Appends "alertid=… rid=… classification=… analyzer=… source=… target=… bytes=N description=…".
set -eu
[ "$#" -eq 8 ] || { echo "agent.sh: expected 8 arguments, got $#" >&2; exit 2; }
out=$1
bytes=$(wc -c | tr -d ' ')
printf 'alertid=%s rid=%s classification=%s analyzer=%s source=%s target=%s bytes=%s description=%s\n' \
    "$2" "$3" "$4" "$5" "$6" "$7" "$bytes" "$8" >>"$out"
