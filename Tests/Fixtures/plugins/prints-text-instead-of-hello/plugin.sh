#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment

# A module that logs to stdout by mistake: the host must fail the start with the text in the error.
echo "Starting fake module, version 1.0 (this text should have gone to stderr)"
exec sleep 30
