# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Answers `crashAfter` calls (config, default 2), then exits 1 (0: right after READY)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fakeframes as ff  # noqa: E402

reader = ff.Reader()
config = ff.handshake(reader).get("config", {})
left = int(config.get("crashAfter", 2))
ff.log("I! crash-after-n-frames ready, crashing after %d calls" % left)
if left == 0:
    sys.exit(1)
while True:
    got = reader.next_frame()
    if got is None:
        sys.exit(0)
    kind, ident, payload = got
    if kind == ff.PING:
        ff.send(ff.PONG, ident)
    elif kind == ff.CALL:
        ff.write_all(ff.echo_call(ident, payload))
        left -= 1
        if left == 0:
            ff.log("E! crashing on purpose")
            sys.exit(1)
    elif kind == ff.SHUTDOWN:
        sys.exit(0)
