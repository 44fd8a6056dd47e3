#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment

# Fails before the handshake: the error must carry exit status 3 and this line.
echo "E! cannot open /nonexistent/fake.conf: No such file or directory" >&2
exit 3
