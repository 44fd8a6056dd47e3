# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""HELLO with a version the host did not offer; the host must answer ERROR 1 and stop it."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fakeframes as ff  # noqa: E402

reader = ff.Reader()
ff.check_cookie()
ff.send_json(ff.HELLO, {"protocol": "mice-plugin", "version": 99, "name": "bad-version"})
got = reader.next_frame()
if got is not None and got[0] == ff.ERROR:
    ff.log("E! host refused: " + got[2].decode(errors="replace"))
sys.exit(76)
