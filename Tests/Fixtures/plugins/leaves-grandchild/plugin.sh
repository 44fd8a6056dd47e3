#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment

# Leaves a grandchild behind: the host's process-group teardown must kill it.
sleep 1000 &
echo "I! grandchild-pid $!" >&2
echo "I! leaves-grandchild ready" >&2
while read -r _; do :; done
exit 0
