# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Checks MICE_PLUGIN_COOKIE like every module: started without it, exits 64."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fakeframes as ff  # noqa: E402

reader = ff.Reader()
ff.handshake(reader)
ff.serve(reader, ff.echo_call)
