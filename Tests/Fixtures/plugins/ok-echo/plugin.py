# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""A correct filter module: keeps records, drops those starting with "drop", fails those starting
with "error" (ERROR 3); echoes the record back as REPLY data when config "echo" is true."""

import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fakeframes as ff  # noqa: E402

reader = ff.Reader()
config = ff.handshake(reader).get("config", {})
echo = bool(config.get("echo", False))
ff.log("I! ok-echo ready")

KEEP = struct.pack(">i", 0)
HEADER = ff.HEADER


def on_call(ident, payload):
    if not echo and payload[4:5] not in (b"d", b"e"):
        return HEADER.pack(4, ff.REPLY, 0, ident) + KEEP
    return ff.echo_call(ident, payload, echo)


ff.serve(reader, on_call)
