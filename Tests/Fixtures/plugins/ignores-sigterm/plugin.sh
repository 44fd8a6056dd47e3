#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment

# Ignores SIGTERM (and so do its children): teardown must end with SIGKILL to the group.
trap '' TERM
echo "I! ignores-sigterm ready (traps set)" >&2
while :; do
    sleep 1
done
