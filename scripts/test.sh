#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# M-ICE: sets up and runs every check: lint, C parts, warnings-free build, all tests, shellcheck.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/daemon-access.sh

echo "== swift-format lint"
swift format lint --strict --recursive --parallel Package.swift Sources Tests plugins

echo "== C parts (contrib)"
make -s -C contrib

echo "== build (warnings are errors)"
swift build --build-tests -Xswiftc -warnings-as-errors

echo "== plugin manifests"
"$(swift build --show-bin-path)/micectl" plugins validate plugins

echo "== tests"
# One test at a time: many tests start daemons and module processes; run side by side on a small
# machine they starve each other and their (generous, bounded) waits would measure the crowd.
swift test --skip-build --no-parallel

echo "== shellcheck"
if command -v shellcheck >/dev/null 2>&1; then
    mapfile -t scripts < <(git ls-files '*.sh')
    shellcheck "${scripts[@]}"
else
    echo "!! shellcheck is not installed: shell scripts NOT checked" >&2
fi
echo "== all checks passed"
