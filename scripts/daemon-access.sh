#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# M-ICE: the daemons never keep root. Started as root (tests, the demo) they drop to `nobody`, who
# must then reach the plugins and the built programs in this checkout. A checkout under a private
# folder (say, one made by `mktemp -d`, mode 0700) is out of its reach: this gives each folder on
# the way to the checkout the search permission (x) for others, nothing more (no read, no write),
# and says so. Usage: bash scripts/daemon-access.sh (from anywhere).
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || exit 0
command -v setpriv > /dev/null || exit 0
reachable() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups test -x "$PWD/plugins"; }
reachable && exit 0
folder=$PWD
while [ "$folder" != / ]; do
    folder=$(dirname "$folder")
    if [ "$folder" != / ] && [ "$(( $(stat -c %a "$folder" | sed 's/^.*\(.\)$/\1/') & 1 ))" = 0 ]; then
        echo "== daemons run as nobody: search permission for others on $folder"
        chmod o+x "$folder"
    fi
done
reachable || { echo "daemon-access: nobody still cannot reach $PWD/plugins" >&2; exit 1; }
