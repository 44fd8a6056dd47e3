"""Fixture for manifest tests: the program a manifest names. It only refuses to run by hand."""

import os
import sys

if os.environ.get("MICE_PLUGIN_COOKIE") != "mice-plugin-2c7b1f0e":
    print("dedupe: this is an M-ICE plugin; it is started by the M-ICE daemons", file=sys.stderr)
    sys.exit(64)
sys.exit(1)
