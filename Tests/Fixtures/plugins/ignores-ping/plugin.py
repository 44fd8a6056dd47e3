# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Never answers PING: the host must declare it unhealthy and restart it. With config
"silent": true it does not answer CALLs either (request timeout)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fakeframes as ff  # noqa: E402

reader = ff.Reader()
silent = bool(ff.handshake(reader).get("config", {}).get("silent", False))
ff.log("I! ignores-ping ready")
ff.serve(reader, (lambda ident, payload: b"") if silent else ff.echo_call, on_ping=lambda ident: None)
