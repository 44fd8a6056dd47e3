# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Announces a 64 MiB REPLY: the host must fail it at once, without allocating."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fakeframes as ff  # noqa: E402

import time

reader = ff.Reader()
ff.handshake(reader)
ff.log("I! oversized-frame ready")
got = reader.next_frame()
if got is not None:
    ff.write_all(ff.HEADER.pack(64 << 20, ff.REPLY, 0, got[1]) + b"\0" * 64)
    time.sleep(30)
