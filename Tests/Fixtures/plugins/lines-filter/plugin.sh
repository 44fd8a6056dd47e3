#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment

# Lines mode: one line in, one line out; an empty line drops the record.
while IFS= read -r line; do
    case "$line" in
        *drop*) echo ;;
        *) printf '%s\n' "$line" ;;
    esac
done
