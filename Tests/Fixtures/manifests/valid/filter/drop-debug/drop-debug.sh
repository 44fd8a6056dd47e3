#!/bin/sh
# Lines-mode filter: one line in, one line out; an empty line drops the record.
while IFS= read -r line; do
    case $line in
        *DEBUG*) echo ;;
        *) printf '%s\n' "$line" ;;
    esac
done
