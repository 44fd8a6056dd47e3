#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment

# Never says HELLO in time: the host must give up after timeouts.startSeconds and kill it.
echo "I! slow-start: sleeping" >&2
exec sleep 30
