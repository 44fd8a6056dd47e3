# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""A HELLO header with a payload that names another protocol."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_lib"))
import fakeframes as ff  # noqa: E402

ff.check_cookie()
ff.send_json(ff.HELLO, {"protocol": "not-mice", "version": 1, "name": "bad-magic"})
ff.Reader().next_frame()
