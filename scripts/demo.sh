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

step "the log path as daemons: mice-dataforwarder tails a log, mice-bufferdaemon stores every line in SQLite"
# The daemons never keep root: as root they run as nobody, who then owns the work folder.
if [ "$(id -u)" = 0 ]; then user=nobody; group=$(id -gn nobody); else user=$(id -un); group=$(id -gn); fi
plugins="$PWD/plugins"
cat > "$work/bufferdaemon.conf" <<CONF
[ADDRESS]
BINDTO = 127.0.0.1
[PORT_NUMBER]
PORT = 0
[MODULES_SEARCH_PATH]
MODPATH = "$plugins"
[DECODING_MODULES]
DEC_MOD = mice_mod_dec_logformat_twofish
[DECODING_MODULES_CONFIG_FILE]
DEC_FILE = ""
[POSTPROC_MODULES]
POP_MOD = mice-pop-rawlog
[POSTPROC_MODULES_CONFIG_FILE]
POP_FILE = "$work/pop.json"
[TIME_INTERVALS]
TIMEINV = 1
[SECURITY_AND_PRIVACY]
USER = $user
GROUP = $group
CONF
printf '{"path": "%s/daemons.sqlite"}\n' "$work" > "$work/pop.json"
: > "$work/watched.log"
if [ "$(id -u)" = 0 ]; then chown -R "$user:$group" "$work"; fi
wait_for_file() { for _ in $(seq 600); do [ -s "$1" ] && return 0; sleep 0.1; done; echo "no $1" >&2; return 1; }
"$bin/mice-bufferdaemon" -f "$work/bufferdaemon.conf" --bin-dir "$bin" --state-dir "$work/bd-state" \
    --ready-file "$work/bd.ready" 2> "$work/bufferdaemon.log" &
bd_pid=$!
trap 'kill "$bd_pid" "${fwd_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
wait_for_file "$work/bd.ready"
port=$(grep -o '"port":[0-9]*' "$work/bd.ready" | head -n 1 | cut -d: -f2)
echo "mice-bufferdaemon (pid $bd_pid) listens on 127.0.0.1:$port: $(cat "$work/bd.ready")"
cat > "$work/dataforwarder.conf" <<CONF
[SQL_SERVER]
SQLIP = 127.0.0.1
SQLPORT = $port
[SECURITY_AND_PRIVACY]
USER = $user
GROUP = $group
[LOGFILE_LIST]
FILE = "file: $work/watched.log"
[MODULES_SEARCH_PATH]
MODPATH = "$plugins"
[MODULES]
MOD_LOGFORMAT = mice_mod_fmt_simple
[MISC]
POSITIONFILE = "$work/dataforwarder.positions"
STARTAT = beginning
CONF
"$bin/mice-dataforwarder" -f "$work/dataforwarder.conf" --bin-dir "$bin" --spool-dir "$work/spool" \
    --ready-file "$work/fwd.ready" --stats-file "$work/fwd.stats" 2> "$work/dataforwarder.log" &
fwd_pid=$!
wait_for_file "$work/fwd.ready"
echo "mice-dataforwarder (pid $fwd_pid) follows $work/watched.log"
total=$(wc -l < "$sample")
echo "appending the $total lines of $sample in four pieces, one with a line cut in two..."
head -n 500 "$sample" >> "$work/watched.log"
sed -n '501,1000p' "$sample" >> "$work/watched.log"
line=$(sed -n 1001p "$sample")
printf '%s' "${line:0:20}" >> "$work/watched.log"
sleep 0.2  # the forwarder sees the first piece alone, and must wait for the rest of the line
printf '%s\n' "${line:20}" >> "$work/watched.log"
sed -n "1002,${total}p" "$sample" >> "$work/watched.log"
rows=0
for _ in $(seq 300); do
    rows=$("$micectl" logs query --db "$work/daemons.sqlite" --limit 100000 --json 2>/dev/null | wc -l)
    [ "$rows" -ge "$total" ] && break
    sleep 0.1
done
echo "rows in the raw-log database: $rows of $total lines"
"$micectl" logs query --db "$work/daemons.sqlite" --text "session opened for user root" --limit 3
kill -TERM "$fwd_pid" "$bd_pid"; wait "$fwd_pid" "$bd_pid" || true
echo "forwarder statistics at exit: $(cat "$work/fwd.stats")"
[ "$rows" -eq "$total" ] || { echo "demo: expected $total rows" >&2; tail -n 20 "$work"/*.log >&2; exit 1; }

step "analysis: micectl analyze replays the sample through the shipped rules (etc/rules; thresholds per source)"
"$micectl" analyze "$sample" 2>&1 | tail -n 4
echo "the first alerts as JSON (IDMEF with --format idmef):"
"$micectl" analyze --json "$sample" 2>/dev/null | head -n 3 | cut -c 1-240

step "reaction: mice-rct-log records the countermeasure requested for the source of the failures (runs nothing)"
printf 'block 218.188.2.4 for 600 s\n' > "$work/arguments.txt"
"$micectl" plugins run mice-rct-log --config '{"syslog": false}' --input "$work/arguments.txt"

step "done; analysis, alerts and the ReactionDaemon arrive with the next issues (see README)"
