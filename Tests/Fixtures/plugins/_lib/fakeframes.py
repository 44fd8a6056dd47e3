# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Tiny helpers for the fake plugins of the plugin-host tests (stdlib only).

Frames are docs/plugin-protocol.md section 3: struct ">IHHQ" (length, type, flags, id) + payload.
"""

import json
import os
import struct
import sys

HEADER = struct.Struct(">IHHQ")
HELLO, CONFIGURE, READY, CALL, REPLY, ERROR, PING, PONG, SHUTDOWN = range(1, 10)
COOKIE = "mice-plugin-2c7b1f0e"


def log(text):
    """One line on stderr (the host relays it)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def write_all(data, fd=1):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def frame(kind, ident=0, payload=b""):
    return HEADER.pack(len(payload), kind, 0, ident) + payload


def send(kind, ident=0, payload=b""):
    write_all(frame(kind, ident, payload))


def send_json(kind, obj, ident=0):
    send(kind, ident, json.dumps(obj).encode())


class Reader:
    """Buffered frame reader over fd 0."""

    def __init__(self, chunk=262144):
        self.buffer = bytearray()
        self.chunk = chunk
        self.eof = False

    def fill(self):
        data = os.read(0, self.chunk)
        if not data:
            self.eof = True
            return False
        self.buffer += data
        return True

    def frames(self):
        """Returns every complete frame buffered now as (type, id, payload) and drops them."""
        out = []
        buf = self.buffer
        pos = 0
        end = len(buf)
        while end - pos >= 16:
            length, kind, _flags, ident = HEADER.unpack_from(buf, pos)
            if end - pos < 16 + length:
                break
            out.append((kind, ident, bytes(buf[pos + 16:pos + 16 + length])))
            pos += 16 + length
        del buf[:pos]
        return out

    def next_frame(self):
        """Blocks for one frame; None at end of stdin."""
        while True:
            frames = self.frames_one()
            if frames is not None:
                return frames
            if not self.fill():
                return None

    def frames_one(self):
        buf = self.buffer
        if len(buf) < 16:
            return None
        length, kind, _flags, ident = HEADER.unpack_from(buf, 0)
        if len(buf) < 16 + length:
            return None
        payload = bytes(buf[16:16 + length])
        del buf[:16 + length]
        return (kind, ident, payload)


def check_cookie():
    if os.environ.get("MICE_PLUGIN_COOKIE") != COOKIE:
        sys.stderr.write("this is an M-ICE module; it is started by the M-ICE daemons\n")
        sys.stderr.flush()
        sys.exit(64)


def handshake(reader, version=None, init=0, hello_extra=None):
    """Cookie check, HELLO, CONFIGURE, READY. Returns the CONFIGURE object."""
    check_cookie()
    offered = [int(v) for v in os.environ.get("MICE_PLUGIN_PROTOCOL_VERSIONS", "1").split(",") if v]
    if version is None:
        version = max(offered)
    hello = {
        "protocol": "mice-plugin",
        "version": version,
        "name": os.environ.get("MICE_PLUGIN_NAME", "fake"),
        "pluginVersion": "0.0.1",
        "kind": os.environ.get("MICE_PLUGIN_KIND", "filter"),
        "maxFrameBytes": 1048576,
        "capabilities": ["pipelining"],
    }
    hello.update(hello_extra or {})
    send_json(HELLO, hello)
    got = reader.next_frame()
    if got is None:
        sys.exit(0)
    kind, _ident, payload = got
    if kind == ERROR:
        log("E! host sent ERROR: " + payload.decode(errors="replace"))
        sys.exit(76)
    if kind != CONFIGURE:
        log("E! expected CONFIGURE, got type %d" % kind)
        sys.exit(76)
    configure = json.loads(payload)
    send_json(READY, {"init": init})
    return configure


def serve(reader, on_call, on_ping=None):
    """Answers CALLs with on_call(ident, payload) -> bytes (one whole reply frame) until SHUTDOWN
    or end of stdin; all replies to one read go out in one write."""
    while True:
        out = []
        for kind, ident, payload in reader.frames():
            if kind == CALL:
                out.append(on_call(ident, payload))
            elif kind == PING:
                if on_ping is None:
                    out.append(frame(PONG, ident))
                else:
                    reply = on_ping(ident)
                    if reply:
                        out.append(reply)
            elif kind == SHUTDOWN:
                if out:
                    write_all(b"".join(out))
                sys.exit(0)
        if out:
            write_all(b"".join(out))
        if not reader.fill():
            sys.exit(0)


def echo_call(ident, payload, echo=False):
    """A filter's answer: 1 (drop) when the record starts with b"drop", else 0 (keep); ERROR 3
    when it starts with b"error"; with echo the record comes back as REPLY data."""
    data = payload[4:]
    if data.startswith(b"error"):
        return frame(ERROR, ident, json.dumps({"code": 3, "message": "bad record"}).encode())
    value = 1 if data.startswith(b"drop") else 0
    return frame(REPLY, ident, struct.pack(">i", value) + (data if echo else b""))
