# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Benchmark module on the Python SDK: answers every call with 0 and no data (python_small_calls_per_s)."""

import os
import sys

_HERE = os.environ.get("MICE_PLUGIN_DIR") or os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(_HERE, "..", "..", "..", "..", "contrib", "sdk", "python")))

import mice_plugin  # noqa: E402


def handle(call):
    return 0


if __name__ == "__main__":
    mice_plugin.run("python-bench", handle)
