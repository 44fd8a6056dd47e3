#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# M-ICE: sets up, builds and runs the system on its embedded defaults: the bundled sample log goes
# through real module processes (format, filter, legacy Twofish from the original C code, decoder,
# reaction), on this machine only. Nothing is installed outside the checkout besides Debian
# packages.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/daemon-access.sh
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

step "the daemons: mice-dataforwarder tails a log; BufferDaemons store every line, analyse it, keep and route the alerts"
# The daemons never keep root: as root they run as nobody, who then owns the work folder.
if [ "$(id -u)" = 0 ]; then user=nobody; group=$(id -gn nobody); else user=$(id -un); group=$(id -gn); fi
plugins="$PWD/plugins"
# Every TCP link below is mutual TLS, as in the shipped configuration: a project CA and one
# certificate per daemon (micectl pki, as prelude-admin register does for Prelude).
pki="$work/pki"
"$micectl" pki init --dir "$pki" > /dev/null
for name in forwarder rawlog analysis management reactiond; do
    "$micectl" pki issue "$name" --dir "$pki" --ip 127.0.0.1 > /dev/null
done
tls_section() { printf '[TLS]\nTLS = yes\nPKIDIR = "%s"\nTLSNAME = %s\n' "$pki" "$1"; }
echo "PKI in $pki: $("$micectl" pki list --dir "$pki" | wc -l) lines (CA, forwarder, rawlog, analysis, management, reactiond)"
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
$(tls_section rawlog)
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
# The alert path: a management host (IDMEF decoder, act-generic into alert_entry, the file agent on
# reaction 3) and an analysis host (LogFormat decoder, mice-pop-aa-regex with the shipped etc/rules).
mkdir -p "$work/fifos"
cat > "$work/match_file.txt" <<CONF
[ALERT_ID]
AID = "PAM password guessing"
AID = "SSH password guessing"
[ALERT_ID_DESCRIPTION]
AID_DESC = "PAM password guessing"
AID_DESC = "SSH password guessing"
[RID_3]
AID_3 = "PAM password guessing"
AID_3 = "SSH password guessing"
[RID_4]
AID_4 = "PAM password guessing"
AID_4 = "SSH password guessing"
CONF
cat > "$work/act_generic.conf" <<CONF
[REACTION_ID]
RID = 3
RID = 4
[RID_PIPENAME]
PIPE = rid_3_save_to_file
PIPE = rid_4_countermeasure
[ANALYZER_ID]
ANAID = "MICE-RegEx"
[ANALYZER_MATCHFILE]
MF = match_file.txt
[MISC]
PIPE_PATH = $work/fifos
MATCH_PATH = $work/
[ALERT_DB]
DBPATH = $work/alerts.sqlite
CONF
printf '[PIPE_NAME]\nPIPE = %s/fifos/rid_3_save_to_file\n[FILE_NAME]\nFILE = %s/agent-file.log\n' \
    "$work" "$work" > "$work/rid_3.conf"
# The countermeasure: a ReactionDaemon on loopback whose FID 1 is mice-rct-block in dry-run mode
# (it reports what it would block and touches no firewall); the countermeasure agent (reaction 4)
# asks it, over mutual TLS, to block the alert's source for 600 s.
printf '{"dryRun": true}\n' > "$work/block.json"
cat > "$work/reactiondaemon.conf" <<CONF
[FUNCTION_ID]
FID = 0x000001
[REACTION_MODULES]
RCT_MOD = mice-rct-block
[REACTION_MODULES_CONFIG_FILE]
RCT_FILE = "$work/block.json"
[NETWORK]
IP = 127.0.0.1
PORT = 0
[SECURITY]
AUTH = tls
$(tls_section reactiond)
[MISC]
MODPATH = "$plugins"
STATEDIR = "$work/rd-state"
[REACTION_SANDBOX]
RCT_USER = $user
RCT_GROUP = $group
# RLIMIT_NPROC counts every process of the user, and the demo's daemons all run as $user.
RCT_NPROC = 4096
CONF
"$bin/mice-reactiondaemon" -f "$work/reactiondaemon.conf" --plugins "$plugins" --bin-dir "$bin" \
    --ready-file "$work/rd.ready" 2> "$work/reactiondaemon.log" &
rd_pid=$!
trap 'kill "$bd_pid" "$rd_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
wait_for_file "$work/rd.ready"
rd_port=$(grep -o '"port":[0-9]*' "$work/rd.ready" | head -n 1 | cut -d: -f2)
echo "mice-reactiondaemon (pid $rd_pid) on 127.0.0.1:$rd_port (mutual TLS): FID 1 = mice-rct-block, dry-run"
cat > "$work/rid_4.json" <<CONF
{"fifo": "$work/fifos/rid_4_countermeasure", "port": $rd_port, "functionID": 1,
 "arguments": "{source} 600", "targetHost": "127.0.0.1", "tls": true, "pki": "$pki", "tlsName": "management"}
CONF
entry_config() {  # name decoder postprocessor postprocessor-config [agent agent-config]
    printf '[ADDRESS]\nBINDTO = 127.0.0.1\n[PORT_NUMBER]\nPORT = 0\n[MODULES_SEARCH_PATH]\nMODPATH = "%s"\n' "$plugins"
    printf '[DECODING_MODULES]\nDEC_MOD = %s\n[DECODING_MODULES_CONFIG_FILE]\nDEC_FILE = ""\n' "$2"
    printf '[POSTPROC_MODULES]\nPOP_MOD = %s\n[POSTPROC_MODULES_CONFIG_FILE]\nPOP_FILE = "%s"\n' "$3" "$4"
    printf '[TIME_INTERVALS]\nTIMEINV = 0\n[SECURITY_AND_PRIVACY]\nUSER = %s\nGROUP = %s\n' "$user" "$group"
    tls_section "$1"
    if [ $# -ge 6 ]; then printf '[AGENTS]\nAGENT = %s\nAGENT_FILE = "%s"\n' "$5" "$6"; fi
    if [ $# -ge 8 ]; then printf 'AGENT = %s\nAGENT_FILE = "%s"\n' "$7" "$8"; fi
}
entry_config management mice_mod_dec_idmef_twofish mice_mod_pop_act_generic "$work/act_generic.conf" \
    rid_3_save_to_file "$work/rid_3.conf" mice-agent-countermeasure "$work/rid_4.json" > "$work/management.conf"
if [ "$(id -u)" = 0 ]; then chown -R "$user:$group" "$work"; fi
"$bin/mice-bufferdaemon" -f "$work/management.conf" --bin-dir "$bin" --state-dir "$work/mgmt-state" \
    --ready-file "$work/mgmt.ready" 2> "$work/management.log" &
mgmt_pid=$!
trap 'kill "$bd_pid" "$rd_pid" "${fwd_pid:-}" "$mgmt_pid" "${ana_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
wait_for_file "$work/mgmt.ready"
mgmt_port=$(grep -o '"port":[0-9]*' "$work/mgmt.ready" | head -n 1 | cut -d: -f2)
printf '{"rules": "%s/etc/rules", "management": "127.0.0.1:%s", "tls": true, "pki": "%s", "tlsName": "analysis"}\n' \
    "$PWD" "$mgmt_port" "$pki" > "$work/aa.json"
entry_config analysis mice_mod_dec_logformat_twofish mice_mod_pop_aa_regex "$work/aa.json" > "$work/analysis.conf"
if [ "$(id -u)" = 0 ]; then chown -R "$user:$group" "$work"; fi
"$bin/mice-bufferdaemon" -f "$work/analysis.conf" --bin-dir "$bin" --state-dir "$work/ana-state" \
    --ready-file "$work/ana.ready" 2> "$work/analysis.log" &
ana_pid=$!
wait_for_file "$work/ana.ready"
ana_port=$(grep -o '"port":[0-9]*' "$work/ana.ready" | head -n 1 | cut -d: -f2)
echo "management host on 127.0.0.1:$mgmt_port (alerts into SQLite, file agent), analysis host on 127.0.0.1:$ana_port"
cat > "$work/dataforwarder.conf" <<CONF
[SQL_SERVER]
SQLIP = 127.0.0.1
SQLPORT = $port
[ANALYSIS_SERVER]
ASIP = 127.0.0.1
ASPORT = $ana_port
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
$(tls_section forwarder)
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
alerts=0
for _ in $(seq 200); do
    alerts=$("$micectl" alerts list --db "$work/alerts.sqlite" --json 2>/dev/null | wc -l)
    [ "$alerts" -gt 0 ] && [ -s "$work/agent-file.log" ] && break
    sleep 0.1
done
echo "alerts in alert_entry on the management host so far: $alerts"
"$micectl" alerts list --db "$work/alerts.sqlite" --limit 5 || true
echo "the file agent (reaction 3) wrote:"
head -n 2 "$work/agent-file.log" | cut -c 1-200
reactions=0
for _ in $(seq 200); do
    reactions=$("$micectl" reactions list --state-dir "$work/rd-state" --all --json 2>/dev/null | grep -o '"key"' | wc -l)
    [ "$reactions" -gt 0 ] && break
    sleep 0.1
done
echo "countermeasures requested by the countermeasure agent (reaction 4), dry-run on the ReactionDaemon:"
"$micectl" reactions list --state-dir "$work/rd-state" --all | head -n 8 || true
echo "($reactions addresses in all)"
grep -h "dry-run\|would" "$work/reactiondaemon.log" | head -n 3 | cut -c 1-200 || true
kill -TERM "$fwd_pid" "$bd_pid" "$ana_pid" "$mgmt_pid" "$rd_pid"
wait "$fwd_pid" "$bd_pid" "$ana_pid" "$mgmt_pid" "$rd_pid" || true
[ "$reactions" -gt 0 ] || { echo "demo: no countermeasure was requested" >&2; tail -n 20 "$work"/management.log "$work"/reactiondaemon.log >&2; exit 1; }
echo "forwarder statistics at exit: $(cat "$work/fwd.stats")"
[ "$rows" -eq "$total" ] || { echo "demo: expected $total rows" >&2; tail -n 20 "$work"/*.log >&2; exit 1; }

step "analysis: micectl analyze replays the sample through the shipped rules (etc/rules; thresholds per source)"
"$micectl" analyze "$sample" 2>&1 | tail -n 4
echo "the first alerts as JSON (IDMEF with --format idmef):"
"$micectl" analyze --json "$sample" 2>/dev/null | head -n 3 | cut -c 1-240

step "reaction module by hand: mice-rct-log records a countermeasure request (runs nothing)"
printf 'block 218.188.2.4 for 600 s\n' > "$work/arguments.txt"
"$micectl" plugins run mice-rct-log --config '{"syslog": false}' --input "$work/arguments.txt"

step "NFR: the second seed's new_badhosts backend (N-Code) over a capture of pings and telnet SYNs to broadcast addresses"
cp -r plugins/nfr "$work/nfr"
"$micectl" nfr capture "$work/seed.pcap"
"$micectl" nfr run "$work/nfr" --pcap "$work/seed.pcap"
echo "recorded rows (micectl nfr query, the seed's Display as Text):"
"$micectl" nfr query id/new_badhosts --home "$work/nfr"
nfr_alerts=$("$micectl" nfr alerts --home "$work/nfr" | wc -l)
[ "$nfr_alerts" -eq 4 ] || { echo "demo: expected 4 NFR alerts (alertContext(5)), got $nfr_alerts" >&2; exit 1; }

step "done"
