# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""A 1 MiB stderr line without newline: the relay must cut it and keep reading."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fakeframes as ff  # noqa: E402

reader = ff.Reader()
ff.handshake(reader)
sys.stderr.write("x" * (1 << 20))
sys.stderr.flush()
sys.stderr.write("\nI! stderr-1mib-no-newline ready\n")
sys.stderr.flush()
ff.serve(reader, ff.echo_call)
