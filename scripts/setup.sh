#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# M-ICE: installs every Debian package the build, the tests and the demo need (idempotent).
set -euo pipefail

packages=(
    build-essential pkg-config make python3 util-linux procps
    libmcrypt-dev libpcre2-dev libjansson-dev libxml2-dev
    libsqlite3-dev postgresql  # SQLite for GRDB; the PostgreSQL server the MICEStore tests start
    libhyperscan-dev prelude-lml libxml2-utils  # analysis: Hyperscan, prelude-lml rulesets + bench, xmllint
    libpcap-dev tcpdump  # packets: libpcap for MICEPacket, tcpdump as the reference reader in its tests
    libseccomp-dev nftables iproute2 iputils-ping iptables ipset passwd  # ReactionDaemon sandbox, countermeasures, netns tests
)
optional=(shellcheck)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else echo "setup: need root (or sudo) to run: $*" >&2; return 1
    fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for package in "${packages[@]}" "${optional[@]}"; do
    installed "$package" || missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    as_root apt-get update -qq
    export DEBIAN_FRONTEND=noninteractive
    required_missing=()
    for package in "${missing[@]}"; do
        case " ${optional[*]} " in
            *" $package "*) ;;
            *) required_missing+=("$package") ;;
        esac
    done
    if [ "${#required_missing[@]}" -gt 0 ]; then
        as_root apt-get install -y -qq --no-install-recommends "${required_missing[@]}"
    fi
    for package in "${optional[@]}"; do
        installed "$package" && continue
        as_root apt-get install -y -qq --no-install-recommends "$package" ||
            echo "setup: WARNING: optional package $package could not be installed" >&2
    done
fi

# The IDMEF DTD that prelude-manager ships, without installing the daemon: .cache/idmef/idmef-message.dtd
dtd_cache="$(cd "$(dirname "$0")/.." && pwd)/.cache/idmef"
if [ ! -f "$dtd_cache/idmef-message.dtd" ]; then
    mkdir -p "$dtd_cache/deb"
    (cd "$dtd_cache/deb" && apt-get download prelude-manager >/dev/null 2>&1) || {
        as_root apt-get update -qq && (cd "$dtd_cache/deb" && apt-get download prelude-manager)
    }
    dpkg-deb -x "$dtd_cache"/deb/prelude-manager_*.deb "$dtd_cache/deb/x"
    cp "$dtd_cache/deb/x/usr/share/prelude-manager/xmlmod/idmef-message.dtd" "$dtd_cache/idmef-message.dtd"
    rm -rf "$dtd_cache/deb"
fi

command -v swift >/dev/null 2>&1 || {
    echo "setup: swift is not on PATH (Swift 6.1 or newer is needed)" >&2
    exit 1
}
echo "setup: all packages present"
