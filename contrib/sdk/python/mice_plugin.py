# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Write an M-ICE module in Python: one file, standard library only, Python 3.9 or later.

The module side of the M-ICE module protocol (docs/plugin-protocol.md). The SDK does the cookie
check, the version choice, HELLO, CONFIGURE, READY, the batched frame loop, PING/PONG and SHUTDOWN;
a module supplies a call handler and, if it has a configuration, a configure function::

    import mice_plugin

    def configure(context):
        word = context.config.get("word", "DROPME")
        if not isinstance(word, str):
            raise mice_plugin.ConfigError("word", "must be a string")
        global WORD
        WORD = word.encode()
        return 0                      # what the original init() returned; sent in READY

    def handle(call):                 # one call of the original func()
        return 1 if WORD in mice_plugin.logdata(call.data) else 0

    mice_plugin.run("mice-flt-word", handle, configure=configure)

A handler returns the original return value (an int) or a tuple ``(value, data)`` whose bytes go
into the REPLY after the value (the LogFormat record a format module fills, the record a
pseudonymizer rewrote, the record a decoder returns). Raising :class:`CallError` answers that call
with an ERROR frame instead; any other exception is ERROR 7 (internal error).

``call.data`` is a read-only ``memoryview`` into the input chunk (no copy); use ``bytes(call.data)``
or :func:`logdata` to get bytes. ``call.file_type`` is the ``u_int fileType`` argument of format,
filter and pseudonymizer modules and ``None`` for the other kinds.

Speed: input is read in 256 KiB chunks, every complete frame of a chunk is handled, and all the
replies to one chunk leave in one ``write``, so a host that pipelines its calls gets them in
batches.

For lines mode (``"protocol": {"mode": "lines"}`` in plugin.json) use :func:`run_lines`.
"""

import json
import os
import struct
import sys
import traceback

__all__ = [
    "run",
    "run_lines",
    "Context",
    "Call",
    "ConfigError",
    "CallError",
    "log",
    "Layout",
    "LAYOUTS",
    "layout_of",
    "logdata",
    "with_logdata",
    "checksum",
    "with_checksum",
    "checksum_ok",
    "FTF_UNKNOWN",
    "FTF_FILE",
    "FTF_LAUS",
    "FTF_SCSLOG",
    "FTF_FIREWALL",
]

__version__ = "1.0.0"

# MARK: - Protocol constants (docs/plugin-protocol.md)

COOKIE_VARIABLE = "MICE_PLUGIN_COOKIE"
COOKIE_VALUE = "mice-plugin-2c7b1f0e"
VERSIONS_VARIABLE = "MICE_PLUGIN_PROTOCOL_VERSIONS"
NAME_VARIABLE = "MICE_PLUGIN_NAME"
KIND_VARIABLE = "MICE_PLUGIN_KIND"
MODE_VARIABLE = "MICE_PLUGIN_MODE"
DIR_VARIABLE = "MICE_PLUGIN_DIR"
STATE_DIR_VARIABLE = "MICE_PLUGIN_STATE_DIR"
CONFIG_VARIABLE = "MICE_PLUGIN_CONFIG"

MAGIC = "mice-plugin"
SUPPORTED_VERSIONS = (1,)
DEFAULT_MAX_FRAME_BYTES = 1 << 20
HARD_MAX_FRAME_BYTES = 16 << 20
READ_CHUNK_BYTES = 256 * 1024
HEADER_BYTES = 16

HELLO, CONFIGURE, READY, CALL, REPLY, ERROR, PING, PONG, SHUTDOWN = range(1, 10)

ERR_INCOMPATIBLE_VERSION = 1
ERR_BAD_CONFIGURATION = 2
ERR_BAD_CALL = 3
ERR_RETRY_LATER = 4
ERR_UNEXPECTED_FRAME = 5
ERR_FRAME_TOO_LARGE = 6
ERR_INTERNAL = 7

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_NOT_STARTED_BY_HOST = 64
EXIT_PROTOCOL = 76
EXIT_CONFIG = 78

KINDS = ("format", "filter", "pseudonymizer", "decoding", "postprocessing", "reaction", "agent")
FILE_TYPE_KINDS = ("format", "filter", "pseudonymizer")

FTF_UNKNOWN, FTF_FILE, FTF_LAUS, FTF_SCSLOG, FTF_FIREWALL = 0, 1, 2, 3, 4

_HEADER = struct.Struct(">IHHQ")
_REPLY = struct.Struct(">IHHQi")  # REPLY header plus the 4-byte return value
_U32 = struct.Struct(">I")


# MARK: - Errors, context, call


class ConfigError(Exception):
    """The configuration is unusable: ERROR code 2 naming ``key``, then exit 78 (not restarted)."""

    def __init__(self, key, message):
        super().__init__('config key "%s": %s' % (key, message))
        self.key = key
        self.message = message


class CallError(Exception):
    """A failed call: ERROR frame with the call's id. ``code`` is 3, 4, 7 or a module code >= 100."""

    def __init__(self, code, message):
        super().__init__("error %d: %s" % (code, message))
        self.code = int(code)
        self.message = message


class Context:
    """What CONFIGURE said, plus the module's environment."""

    def __init__(self, name, kind, layout, config, protocol_version, max_frame_bytes,
                 directory, state_directory, heartbeat_seconds=0.0):
        #: The plugin's name (manifest).
        self.name = name
        #: The plugin's kind: format, filter, pseudonymizer, decoding, postprocessing, reaction.
        self.kind = kind
        #: LogFormat layout of records on this link: "seed" (1688 bytes) or "0.2" (6608 bytes).
        self.layout = layout
        #: The module's configuration (a dict): manifest defaults overlaid with operator values.
        self.config = config
        self.protocol_version = protocol_version
        self.max_frame_bytes = max_frame_bytes
        #: The plugin's folder (MICE_PLUGIN_DIR) or None.
        self.directory = directory
        #: A directory the module may write state into (MICE_PLUGIN_STATE_DIR) or None.
        self.state_directory = state_directory
        self.heartbeat_seconds = heartbeat_seconds

    @property
    def record_size(self):
        """Size of one LogFormat record on this link (1688 or 6608), None for an unknown layout."""
        layout = LAYOUTS.get(self.layout)
        return layout.size if layout else None

    def __repr__(self):
        return "Context(name=%r, kind=%r, layout=%r, config=%r)" % (
            self.name, self.kind, self.layout, self.config)


class Call:
    """One call of the original ``func``: request id, ``fileType`` (or None) and data."""

    __slots__ = ("id", "file_type", "data")

    def __init__(self, id, file_type, data):
        self.id = id
        self.file_type = file_type
        #: memoryview of the call data (raw line, record, argument string); read-only.
        self.data = data

    @property
    def bytes(self):
        """A copy of the data as bytes."""
        return bytes(self.data)

    def __repr__(self):
        return "Call(id=%d, file_type=%r, %d bytes)" % (self.id, self.file_type, len(self.data))


# MARK: - Logging to stderr with level prefixes


class _Log:
    """Log lines to stderr with the prefixes the host maps to its levels (``E! W! I! D! T!``)."""

    @staticmethod
    def _write(prefix, message, args):
        text = str(message) % args if args else str(message)
        line = (prefix + text.replace("\r", " ").replace("\n", " ") + "\n").encode("utf-8", "replace")
        try:
            _write_all(2, line)
        except OSError:
            pass

    def error(self, message, *args):
        self._write("E! ", message, args)

    def warning(self, message, *args):
        self._write("W! ", message, args)

    def info(self, message, *args):
        self._write("I! ", message, args)

    def debug(self, message, *args):
        self._write("D! ", message, args)

    def trace(self, message, *args):
        self._write("T! ", message, args)


log = _Log()


# MARK: - LogFormat records (shared/spec/mice-original.md sections 3 and 4)


class Layout:
    """Where the log data and the checksum sit in one LogFormat layout."""

    __slots__ = ("name", "size", "logdata_offset", "logdata_size", "checksum_offset")

    def __init__(self, name, size, logdata_offset, logdata_size, checksum_offset):
        self.name = name
        self.size = size
        self.logdata_offset = logdata_offset
        self.logdata_size = logdata_size
        self.checksum_offset = checksum_offset

    def __repr__(self):
        return "Layout(%r, %d bytes)" % (self.name, self.size)


#: seed (guide 0.1): cHost[256] cDomain[256] cIP[30] cOSystem[20] cRelease[20] cVersion[20]
#: cDate[30] cTime[30] cLogLine[1024] @662, u_short sChkSum @1686; 1688 bytes.
#: 0.2 (last original code): ... cTimezone[30] @662, int iDaylight @692, cLogdata[4096] @696, ...,
#: u_short sChkSum @6604, 2 bytes padding; 6608 bytes.
LAYOUTS = {
    "seed": Layout("seed", 1688, 662, 1024, 1686),
    "0.2": Layout("0.2", 6608, 696, 4096, 6604),
}
_LAYOUT_BY_SIZE = {layout.size: layout for layout in LAYOUTS.values()}


def layout_of(record, layout=None):
    """The :class:`Layout` for ``layout`` (a name, a Layout or a Context), else by record size."""
    if layout is None:
        found = _LAYOUT_BY_SIZE.get(len(record))
        if found is None:
            raise ValueError("a LogFormat record has 1688 (seed) or 6608 (0.2) bytes, not %d" % len(record))
        return found
    if isinstance(layout, Layout):
        return layout
    if isinstance(layout, Context):
        layout = layout.layout
    try:
        found = LAYOUTS[layout]
    except KeyError:
        raise ValueError("unknown LogFormat layout %r (seed or 0.2)" % (layout,)) from None
    if len(record) != found.size:
        raise ValueError("a %s LogFormat record has %d bytes, not %d" % (found.name, found.size, len(record)))
    return found


def logdata(record, layout=None):
    """The log-data field of a LogFormat record (cLogLine / cLogdata) as bytes, up to its first NUL.

    ``record`` is bytes, bytearray or memoryview; the layout is found from its size unless given.
    """
    found = layout_of(record, layout)
    start = found.logdata_offset
    field = bytes(record[start:start + found.logdata_size])
    end = field.find(b"\0")
    return field if end < 0 else field[:end]


def with_logdata(record, data, layout=None):
    """A copy of ``record`` (bytes) with its log-data field set to ``data`` and a new checksum.

    ``data`` (bytes or str) is cut to the field size minus one, so the field stays NUL-terminated,
    and the rest of the field is zeroed.
    """
    found = layout_of(record, layout)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    data = bytes(data[:found.logdata_size - 1])
    out = bytearray(record)
    start = found.logdata_offset
    out[start:start + found.logdata_size] = data + bytes(found.logdata_size - len(data))
    return with_checksum(out, found)


def checksum(data):
    """The Internet checksum ``in_chksum`` of the original (spec section 4) as an int.

    16-bit little-endian words, an odd last byte as a word with a zero high byte, one's-complement
    sum folded, inverted.
    """
    raw = bytes(data)
    if len(raw) & 1:
        raw += b"\0"
    value = int.from_bytes(raw, "little")
    # 2**16 == 1 (mod 0xFFFF): the one's-complement sum of the words is the number mod 0xFFFF,
    # except that a non-zero sum that is a multiple of 0xFFFF folds to 0xFFFF, not 0.
    folded = value % 0xFFFF
    if folded == 0 and value != 0:
        folded = 0xFFFF
    return ~folded & 0xFFFF


def with_checksum(record, layout=None):
    """A copy of the LogFormat ``record`` (bytes) with sChkSum recomputed (field zeroed first)."""
    found = layout_of(record, layout)
    out = bytearray(record)
    at = found.checksum_offset
    out[at:at + 2] = b"\0\0"
    out[at:at + 2] = checksum(out).to_bytes(2, "little")
    return bytes(out)


def checksum_ok(record, layout=None):
    """Whether the stored sChkSum of a LogFormat record matches its content."""
    found = layout_of(record, layout)
    at = found.checksum_offset
    stored = bytes(record[at:at + 2])
    return with_checksum(record, found)[at:at + 2] == stored


# MARK: - Frame mode


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except InterruptedError:
            continue
        view = view[written:]


def _claim_stdout():
    """Move the protocol stream off fd 1 and point fd 1 at stderr, so stray prints go to the log."""
    try:
        sys.stdout.flush()
    except Exception:
        pass
    out = os.dup(1)
    os.set_inheritable(out, False)
    os.dup2(2, 1)
    return out


def _parse_versions(text):
    versions = []
    for item in text.split(","):
        try:
            versions.append(int(item.strip()))
        except ValueError:
            pass
    return versions


def _control(ftype, message, fid=0):
    payload = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return _HEADER.pack(len(payload), ftype, 0, fid) + payload


def _error_frame(fid, code, message):
    return _control(ERROR, {"code": int(code), "message": str(message)}, fid)


class _Exit(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def run(name, handler, *, version="1.0.0", configure=None, close=None,
        max_frame_bytes=DEFAULT_MAX_FRAME_BYTES):
    """Runs the module until SHUTDOWN or end of input, then exits the process.

    - ``name``: the name said in HELLO (should equal the manifest's); None = ``MICE_PLUGIN_NAME``.
    - ``handler(call)``: one call of the original ``func``; returns an int or ``(int, bytes)``.
    - ``configure(context)``: applies CONFIGURE (the original ``init``); returns what ``init``
      returned (None = 0). Raise :class:`ConfigError` for an unusable key.
    - ``close()``: SHUTDOWN or end of input (the original ``close``).
    - ``max_frame_bytes``: the largest payload the module accepts (stated in HELLO).
    """
    sys.exit(_serve(name, handler, version, configure, close, max_frame_bytes))


def _serve(name, handler, plugin_version, configure, close, max_frame_bytes):
    env = os.environ
    name = name or env.get(NAME_VARIABLE) or os.path.basename(sys.argv[0])
    if env.get(COOKIE_VARIABLE) != COOKIE_VALUE:
        log.error("%s is an M-ICE module; it is started by the M-ICE daemons or by "
                  "`micectl plugins run`, not by hand (docs/plugin-protocol.md)", name)
        return EXIT_NOT_STARTED_BY_HOST
    out_fd = _claim_stdout()

    def send(data):
        try:
            _write_all(out_fd, data)
            return True
        except OSError:
            return False

    offered = _parse_versions(env.get(VERSIONS_VARIABLE, "1"))
    common = set(offered) & set(SUPPORTED_VERSIONS)
    if not common:
        send(_error_frame(0, ERR_INCOMPATIBLE_VERSION, "host offers versions %s, module speaks %s"
                          % (offered, list(SUPPORTED_VERSIONS))))
        return EXIT_PROTOCOL
    protocol_version = max(common)
    max_frame_bytes = max(0, min(int(max_frame_bytes), HARD_MAX_FRAME_BYTES))
    hello = {
        "protocol": MAGIC,
        "version": protocol_version,
        "name": name,
        "pluginVersion": plugin_version,
        "maxFrameBytes": max_frame_bytes,
        "capabilities": ["pipelining", "batching", "heartbeat"],
    }
    if env.get(KIND_VARIABLE) in KINDS:
        hello["kind"] = env[KIND_VARIABLE]
    if not send(_control(HELLO, hello)):
        return EXIT_FAILURE

    state = {"configured": False, "closed": False}

    def finish(code):
        if state["configured"] and not state["closed"]:
            state["closed"] = True
            if close is not None:
                try:
                    close()
                except Exception as error:
                    log.error("close hook failed: %s: %s", type(error).__name__, error)
        return code

    configured = False
    limit = DEFAULT_MAX_FRAME_BYTES  # before CONFIGURE
    carries_file_type = False
    pending = []      # chunks of an incomplete frame
    pending_len = 0
    needed = 0        # bytes of the incomplete frame once its header is known, else 0
    unknown_frames = 0
    read = os.read
    header_from = _HEADER.unpack_from
    u32_from = _U32.unpack_from
    reply_pack = _REPLY.pack
    header_pack = _HEADER.pack
    call_class = Call

    while True:
        try:
            chunk = read(0, READ_CHUNK_BYTES)
        except InterruptedError:
            continue
        except OSError as error:
            log.error("reading stdin failed: %s", error)
            return finish(EXIT_FAILURE)
        if not chunk:
            if pending_len:
                log.error("input ended inside a frame (%d bytes)", pending_len)
            return finish(EXIT_OK)

        if pending_len:
            # Complete the frame started in an earlier chunk; join only when it is whole.
            pending.append(chunk)
            pending_len += len(chunk)
            if needed == 0 and pending_len >= HEADER_BYTES:
                head = b"".join(pending)
                pending = [head]
                length, _, flags, _ = header_from(head, 0)
                if length > limit or flags:
                    return _violation(send, finish, length, limit, flags)
                needed = HEADER_BYTES + length
            if needed == 0 or pending_len < needed:
                continue
            data = b"".join(pending)
            pending = []
            pending_len = 0
            needed = 0
        else:
            data = chunk

        view = memoryview(data)
        size = len(data)
        pos = 0
        out = []
        out_append = out.append
        out_bytes = 0
        exit_code = None
        while size - pos >= HEADER_BYTES:
            length, ftype, flags, fid = header_from(data, pos)
            if length > limit or flags:
                if out:
                    send(b"".join(out))
                return _violation(send, finish, length, limit, flags)
            end = pos + HEADER_BYTES + length
            if end > size:
                break
            start = pos + HEADER_BYTES
            pos = end

            if ftype == CALL and configured:
                # The hot path: one call of the module function.
                if carries_file_type:
                    if length < 4:
                        out_append(_error_frame(fid, ERR_BAD_CALL, "CALL without the 4-byte file type"))
                        continue
                    call = call_class(fid, u32_from(data, start)[0], view[start + 4:end])
                else:
                    call = call_class(fid, None, view[start:end])
                try:
                    result = handler(call)
                    if type(result) is int:
                        out_append(reply_pack(4, REPLY, 0, fid, result))
                    elif result is None:
                        out_append(reply_pack(4, REPLY, 0, fid, 0))
                    elif isinstance(result, int):  # bool, IntEnum
                        out_append(reply_pack(4, REPLY, 0, fid, int(result)))
                    else:
                        value, payload = result
                        payload = bytes(payload) if payload is not None else b""
                        out_append(reply_pack(4 + len(payload), REPLY, 0, fid, int(value)))
                        out_append(payload)
                        out_bytes += len(payload)
                        if out_bytes >= READ_CHUNK_BYTES:
                            if not send(b"".join(out)):
                                return finish(EXIT_FAILURE)
                            out.clear()
                            out_bytes = 0
                except CallError as error:
                    out_append(_error_frame(fid, error.code, error.message))
                except struct.error as error:
                    out_append(_error_frame(fid, ERR_INTERNAL, "bad return value: %s" % error))
                except Exception as error:
                    out_append(_error_frame(fid, ERR_INTERNAL, "%s: %s" % (type(error).__name__, error)))
                    log.error("call %d failed: %s: %s", fid, type(error).__name__, error)
                continue

            if ftype == PING:
                out_append(header_pack(0, PONG, 0, fid))
            elif ftype == SHUTDOWN:
                exit_code = EXIT_OK
                break
            elif ftype == CONFIGURE and not state["configured"]:
                try:
                    message = json.loads(bytes(view[start:end]).decode("utf-8"))
                    if not isinstance(message, dict):
                        raise ValueError("not a JSON object")
                    kind = message.get("kind") or env.get(KIND_VARIABLE)
                    config = message.get("config")
                    context = Context(
                        name=message.get("name", name),
                        kind=kind,
                        layout=message.get("layout", "seed"),
                        config=config if isinstance(config, dict) else ({} if config is None else config),
                        protocol_version=int(message.get("version", protocol_version)),
                        max_frame_bytes=int(message.get("maxFrameBytes", DEFAULT_MAX_FRAME_BYTES)),
                        directory=env.get(DIR_VARIABLE),
                        state_directory=env.get(STATE_DIR_VARIABLE),
                        heartbeat_seconds=float(message.get("heartbeatSeconds", 0) or 0),
                    )
                except (ValueError, TypeError, UnicodeDecodeError) as error:
                    out_append(_error_frame(0, ERR_UNEXPECTED_FRAME, "CONFIGURE payload is not valid: %s" % error))
                    exit_code = EXIT_PROTOCOL
                    break
                try:
                    init_value = configure(context) if configure is not None else 0
                    init_value = 0 if init_value is None else int(init_value)
                except ConfigError as error:
                    out_append(_error_frame(0, ERR_BAD_CONFIGURATION, str(error)))
                    log.error("configuration rejected: %s", error)
                    exit_code = EXIT_CONFIG
                    break
                except Exception as error:
                    out_append(_error_frame(0, ERR_BAD_CONFIGURATION, "%s: %s" % (type(error).__name__, error)))
                    log.error("configuration rejected: %s", "".join(
                        traceback.format_exception_only(type(error), error)).strip())
                    exit_code = EXIT_CONFIG
                    break
                out_append(_control(READY, {"init": init_value}))
                state["configured"] = configured = True
                carries_file_type = kind in FILE_TYPE_KINDS
                limit = max(0, min(context.max_frame_bytes, HARD_MAX_FRAME_BYTES))
            elif ftype == ERROR:
                log.error("host reported an error: %s", bytes(view[start:end]).decode("utf-8", "replace"))
                if fid == 0:
                    exit_code = EXIT_PROTOCOL
                    break
            elif ftype in (HELLO, CONFIGURE, READY, CALL, REPLY, PONG):
                out_append(_error_frame(fid, ERR_UNEXPECTED_FRAME, "frame type %d not valid now" % ftype))
                exit_code = EXIT_PROTOCOL
                break
            else:
                unknown_frames += 1  # unknown types are counted and ignored (spec section 3, rule 5)

        if out and not send(b"".join(out)):
            return finish(EXIT_FAILURE)
        if exit_code is not None:
            return finish(exit_code)
        if pos < size:
            rest = data[pos:]
            pending = [rest]
            pending_len = len(rest)
            needed = 0
            if pending_len >= HEADER_BYTES:
                length, _, flags, _ = header_from(rest, 0)
                if length > limit or flags:
                    return _violation(send, finish, length, limit, flags)
                needed = HEADER_BYTES + length


def _violation(send, finish, length, limit, flags):
    if flags:
        message = "reserved flags field is 0x%x, must be 0" % flags
        code = ERR_UNEXPECTED_FRAME
    else:
        message = "frame announces %d payload bytes, limit is %d" % (length, limit)
        code = ERR_FRAME_TOO_LARGE
    log.error("protocol error from host: %s", message)
    send(_error_frame(0, code, message))
    return finish(EXIT_PROTOCOL)


# MARK: - Lines mode


def lines_context():
    """The :class:`Context` of a lines-mode module (configuration from ``MICE_PLUGIN_CONFIG``)."""
    env = os.environ
    text = env.get(CONFIG_VARIABLE, "")
    config = json.loads(text) if text.strip() else {}
    return Context(
        name=env.get(NAME_VARIABLE) or os.path.basename(sys.argv[0]),
        kind=env.get(KIND_VARIABLE),
        layout=None,
        config=config,
        protocol_version=0,
        max_frame_bytes=0,
        directory=env.get(DIR_VARIABLE),
        state_directory=env.get(STATE_DIR_VARIABLE),
    )


def run_lines(func, *, configure=None, close=None):
    """Runs a lines-mode module (spec section 8) until end of input, then exits the process.

    ``func(line)`` gets one line (str, no line feed) and returns the line to write back (str or
    bytes); None or "" writes an empty line (drop / unchanged / success, by kind). ``configure``
    gets the :class:`Context` with the configuration from ``MICE_PLUGIN_CONFIG``; a
    :class:`ConfigError` exits 78. Text is decoded as UTF-8 with surrogateescape, so any bytes
    come back unchanged. Every complete line of a read is answered, all answers in one write.
    """
    sys.exit(_serve_lines(func, configure, close))


def _serve_lines(func, configure, close):
    try:
        context = lines_context()
    except ValueError as error:
        log.error("%s is not valid JSON: %s", CONFIG_VARIABLE, error)
        return EXIT_CONFIG
    if configure is not None:
        try:
            configure(context)
        except ConfigError as error:
            log.error("configuration rejected: %s", error)
            return EXIT_CONFIG
    out_fd = _claim_stdout()
    pending = b""
    code = EXIT_OK
    while True:
        try:
            chunk = os.read(0, READ_CHUNK_BYTES)
        except InterruptedError:
            continue
        if not chunk:
            break
        data = pending + chunk if pending else chunk
        lines = data.split(b"\n")
        pending = lines.pop()
        out = []
        for raw in lines:
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            try:
                answer = func(raw.decode("utf-8", "surrogateescape"))
            except Exception as error:
                log.error("line failed: %s: %s", type(error).__name__, error)
                answer = None
            if answer is None:
                answer = b""
            elif isinstance(answer, str):
                answer = answer.encode("utf-8", "surrogateescape")
            else:
                answer = bytes(answer)
            out.append(answer.replace(b"\n", b" ").replace(b"\r", b" "))
        if out:
            out.append(b"")
            try:
                _write_all(out_fd, b"\n".join(out))
            except OSError:
                code = EXIT_FAILURE
                break
    if pending and code == EXIT_OK:
        log.warning("input ended inside a line (%d bytes), not answered", len(pending))
    if close is not None:
        close()
    return code
