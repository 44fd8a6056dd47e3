#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# M-ICE: sets up, builds and runs the system on its embedded defaults: the bundled sample log goes
# through real module processes (format, filter, legacy Twofish from the original C code, decoder,
# reaction), on this machine only. Nothing is installed outside the checkout besides Debian
# packages.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
echo "== building (first build takes a few minutes)"
make -s -C contrib
swift build
bin=$(swift build --show-bin-path)
micectl="$bin/micectl"
work=$(mktemp -d "${TMPDIR:-/tmp}/mice-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
sample=etc/samples/linux-2k.log
key="ChangeMe :-P demo"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "plugins found in plugins/ (each a child process with a plugin.json)"
"$micectl" plugins list plugins

step "format: 12 sample lines -> LogFormat records (seed layout, 1688 bytes each) by mice-fmt-simple"
head -n 12 "$sample" > "$work/lines.txt"
"$micectl" plugins run mice-fmt-simple --config '{"domain": "example.org"}' \
    --input "$work/lines.txt" --output "$work/records.bin"
echo "records: $(( $(stat -c %s "$work/records.bin") / 1688 ))"
echo "first record, decoded by micectl records:"
head -c 1688 "$work/records.bin" | "$micectl" records decode --type logformat -

step "filter: mice-flt-regex (PCRE2) drops the 'check pass' lines"
"$micectl" plugins run mice-flt-regex --config '{"rules": ["check pass; user unknown"]}' \
    --input "$work/records.bin" --summary

step "the same filter as a Python module and as a four-line shell script (lines mode)"
"$micectl" plugins run mice-flt-python-example --config '{"rules": ["check pass"]}' \
    --input "$work/records.bin" --summary
"$micectl" plugins run mice-flt-grep-sh --config '{"pattern": "check pass"}' \
    --input "$work/records.bin" --summary

step "legacy wire: the original C code (libmcrypt, Twofish CFB-8) encrypts, the Swift decoder module opens"
contrib/build/mice-cipher encrypt --key "$key" --inner-size 1688 < "$work/records.bin" > "$work/ciphermsg.bin"
echo "CipherMsg records: $(( $(stat -c %s "$work/ciphermsg.bin") / 1712 )) (1712 bytes each)"
"$micectl" plugins run mice-dec-logformat --config "{\"key\": \"$key\"}" \
    --input "$work/ciphermsg.bin" --output "$work/decoded.bin" --summary
cmp "$work/records.bin" "$work/decoded.bin" && echo "decoded records are byte-identical to the originals"
echo "a wrong key is refused (checksum mismatch after decryption):"
"$micectl" plugins run mice-dec-logformat --config '{"key": "wrong key!"}' \
    --input "$work/ciphermsg.bin" --summary 2>&1 | tail -n 2

step "raw-log database: mice-pop-rawlog stores the decoded records in SQLite; micectl logs query searches them"
"$micectl" plugins run mice-pop-rawlog --config "{\"path\": \"$work/rawlog.sqlite\"}" \
    --input "$work/decoded.bin" --summary
"$micectl" logs query --db "$work/rawlog.sqlite" --text "authentication failure" --limit 5

step "reaction: mice-rct-log records the countermeasure requested for the source of the failures (runs nothing)"
printf 'block 218.188.2.4 for 600 s\n' > "$work/arguments.txt"
"$micectl" plugins run mice-rct-log --config '{"syslog": false}' --input "$work/arguments.txt"

step "done; the daemons, analysis and alerts arrive with the next issues (see README)"
