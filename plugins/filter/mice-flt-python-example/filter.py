# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Example filter module in Python: drops records whose log data matches a regular expression.

The Python counterpart of the original mice_mod_flt_regex: config "rules" is a list of regular
expressions, searched anywhere in the record's log data (the original anchored them at the start,
hence its ".*" prefixes, which still work here). A match drops the record (return 1), otherwise it
is kept (0). Records of a file type other than "fileTypes" are kept and counted, as the original
did with -1.
"""

import os
import re
import sys

# mice_plugin.py lives in contrib/sdk/python of the source tree; the host passes no PYTHONPATH.
_HERE = os.environ.get("MICE_PLUGIN_DIR") or os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(_HERE, "..", "..", "..", "contrib", "sdk", "python")))

import mice_plugin  # noqa: E402

RULES = []
FILE_TYPES = set()
LAYOUT = "seed"  # the link's LogFormat layout, from CONFIGURE


def configure(context):
    global LAYOUT
    rules = context.config.get("rules", [])
    if not isinstance(rules, list) or not all(isinstance(rule, str) for rule in rules):
        raise mice_plugin.ConfigError("rules", "must be a list of regular expressions")
    for rule in rules:
        try:
            RULES.append(re.compile(rule.encode("utf-8")))
        except re.error as error:
            raise mice_plugin.ConfigError("rules", "%r is not a valid regular expression: %s" % (rule, error))
    types = context.config.get("fileTypes", [mice_plugin.FTF_FILE])
    if not isinstance(types, list) or not all(isinstance(t, int) for t in types):
        raise mice_plugin.ConfigError("fileTypes", "must be a list of integers (1 = file)")
    FILE_TYPES.update(types)
    if context.kind != "filter":
        raise mice_plugin.ConfigError("kind", "this module is a filter, not a %s" % context.kind)
    if context.layout not in mice_plugin.LAYOUTS:
        raise mice_plugin.ConfigError("layout", "unknown LogFormat layout %r (seed or 0.2)" % (context.layout,))
    LAYOUT = context.layout
    mice_plugin.log.info("%d rules, layout %s", len(RULES), context.layout)
    return 0


def handle(call):
    if FILE_TYPES and call.file_type not in FILE_TYPES:
        return -1  # error: the line is kept
    try:
        # A record of the other layout's size is as wrong as any other size: ERROR 3.
        text = mice_plugin.logdata(call.data, LAYOUT)
    except ValueError as error:
        raise mice_plugin.CallError(3, str(error))
    for rule in RULES:
        if rule.search(text):
            return 1
    return 0


if __name__ == "__main__":
    mice_plugin.run("mice-flt-python-example", handle, version="1.0.0", configure=configure)
