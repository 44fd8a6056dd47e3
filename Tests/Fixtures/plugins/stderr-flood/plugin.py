# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""100k stderr lines at full speed before and while serving: the relay must rate-limit."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fakeframes as ff  # noqa: E402

reader = ff.Reader()
ff.handshake(reader)
for block in range(100):
    sys.stderr.write("".join("W! flood line %d\n" % (block * 1000 + i) for i in range(1000)))
sys.stderr.flush()
ff.log("I! stderr-flood ready")
ff.serve(reader, ff.echo_call)
