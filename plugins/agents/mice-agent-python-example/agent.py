# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Example reaction agent in Python: one line per alert read from the agent's FIFO.

An agent speaks the frame protocol like any module (mice_plugin.run does the handshake, the
heartbeat and SHUTDOWN) but takes no calls: its input is its FIFO, where mice-pop-act-generic
writes RIDMsgFormat records (12348 bytes: the IDMEF message in 10241 bytes, the alert ID in 101,
the description in 2001, a little-endian int32 reaction ID; every text NUL-terminated). A thread
reads the FIFO; each record becomes the line

    alertid=0x1020 rid=3 classification=0x1020 source=192.0.2.7 description=Authentication Failure

appended to "file". Values are cut at the first NUL, control characters become blanks.
"""

import os
import re
import select
import stat
import struct
import sys
import threading

_HERE = os.environ.get("MICE_PLUGIN_DIR") or os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(_HERE, "..", "..", "..", "contrib", "sdk", "python")))

import mice_plugin  # noqa: E402

RECORD_SIZE = 12348
ALERTID_OFFSET, ALERTID_SIZE = 10241, 101
DESC_OFFSET, DESC_SIZE = 10342, 2001
RID_OFFSET = 12344
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FIRST = re.compile(rb"<(?:Source)>.*?<address>([^<]{1,255})</address>", re.S)
CLASSIFICATION = re.compile(rb"<Classification[^>]*>.*?<name>([^<]{1,255})</name>|<Classification[^>]*\btext=\"([^\"]{1,255})\"", re.S)

STATE = {"stop": threading.Event(), "thread": None, "count": 0}


def text(field):
    """The bytes up to the first NUL as one line of text."""
    return CONTROL.sub(" ", field.split(b"\0", 1)[0].decode("utf-8", "replace"))


def line_for(record):
    idmef = record[:ALERTID_OFFSET].split(b"\0", 1)[0]
    alert_id = text(record[ALERTID_OFFSET:ALERTID_OFFSET + ALERTID_SIZE])
    description = text(record[DESC_OFFSET:DESC_OFFSET + DESC_SIZE])
    (rid,) = struct.unpack_from("<i", record, RID_OFFSET)
    source = FIRST.search(idmef)
    classification = CLASSIFICATION.search(idmef)
    classification_text = "-"
    if classification:
        classification_text = text(classification.group(1) or classification.group(2))
    return "alertid=%s rid=%d classification=%s source=%s description=%s\n" % (
        alert_id or "-", rid, classification_text, text(source.group(1)) if source else "-", description or "-")


def reader(fd, out):
    pending = b""
    while not STATE["stop"].is_set():
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, RECORD_SIZE - len(pending))
        except (BlockingIOError, InterruptedError):
            continue
        if not chunk:
            continue
        pending += chunk
        if len(pending) < RECORD_SIZE:
            continue
        record, pending = pending, b""
        try:
            os.write(out, line_for(record).encode("utf-8"))
            STATE["count"] += 1
        except OSError as error:
            mice_plugin.log.error("write failed: %s", error)
    os.close(fd)


def configure(context):
    fifo = context.config.get("fifo")
    path = context.config.get("file")
    if not isinstance(fifo, str) or not fifo:
        raise mice_plugin.ConfigError("fifo", "the agent's FIFO is required")
    if not isinstance(path, str) or not path:
        raise mice_plugin.ConfigError("file", "the output file is required")
    try:
        if not os.path.exists(fifo):
            os.mkfifo(fifo, 0o600)
        if not stat.S_ISFIFO(os.stat(fifo).st_mode):
            raise mice_plugin.ConfigError("fifo", "%s exists and is not a FIFO" % fifo)
        # Read-write: no end-of-file when act-generic closes its end.
        fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise mice_plugin.ConfigError("fifo", "%s: %s" % (fifo, error))
    try:
        out = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as error:
        os.close(fd)
        raise mice_plugin.ConfigError("file", "%s: %s" % (path, error))
    thread = threading.Thread(target=reader, args=(fd, out), name="fifo-reader", daemon=True)
    STATE["thread"] = thread
    thread.start()
    mice_plugin.log.info("reading %s, appending to %s", fifo, path)
    return 0


def handle(call):
    raise mice_plugin.CallError(3, "a reaction agent takes no calls")


def close():
    STATE["stop"].set()
    if STATE["thread"] is not None:
        STATE["thread"].join(2)
    mice_plugin.log.info("%d alerts written", STATE["count"])


mice_plugin.run("mice-agent-python-example", handle, configure=configure, close=close)
