# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Reads slowly; exits 1 if it ever sees more unanswered CALLs than protocol.maxInFlight."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fakeframes as ff  # noqa: E402

import time

reader = ff.Reader(chunk=4096)
window = int(ff.handshake(reader).get("config", {}).get("window", 8))
ff.log("I! slow-reader ready")
most = 0
while True:
    time.sleep(0.002)
    if not reader.fill():
        sys.exit(0)
    out = []
    frames = reader.frames()
    calls = [f for f in frames if f[0] == ff.CALL]
    most = max(most, len(calls))
    if len(calls) > window:
        ff.log("E! window exceeded: %d calls unanswered, maxInFlight %d" % (len(calls), window))
        sys.exit(1)
    for kind, ident, payload in frames:
        if kind == ff.CALL:
            out.append(ff.echo_call(ident, payload))
        elif kind == ff.PING:
            out.append(ff.frame(ff.PONG, ident))
        elif kind == ff.SHUTDOWN:
            ff.write_all(b"".join(out))
            ff.log("I! most unanswered at once: %d" % most)
            sys.exit(0)
    if out:
        ff.write_all(b"".join(out))
