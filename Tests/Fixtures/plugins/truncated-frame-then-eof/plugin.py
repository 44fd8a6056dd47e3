# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Half a REPLY (header says 100 bytes, 10 follow), then end of stdout."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fakeframes as ff  # noqa: E402

reader = ff.Reader()
ff.handshake(reader)
ff.log("I! truncated-frame-then-eof ready")
got = reader.next_frame()
if got is not None:
    ff.write_all(ff.HEADER.pack(100, ff.REPLY, 0, got[1]) + b"\0" * 10)
sys.exit(0)
