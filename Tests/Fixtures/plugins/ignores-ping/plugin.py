# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Never answers PING: the host must declare it unhealthy and restart it."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fakeframes as ff  # noqa: E402

reader = ff.Reader()
ff.handshake(reader)
ff.log("I! ignores-ping ready")
ff.serve(reader, ff.echo_call, on_ping=lambda ident: None)
