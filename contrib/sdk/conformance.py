#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Conformance driver for M-ICE modules (docs/plugin-protocol.md), standard library only.

Starts a module the way the host does (no shell, allow-listed environment with the cookie, the
offered versions, kind and mode, working directory = the plugin folder), then checks the protocol:
HELLO, CONFIGURE, READY, N pipelined CALLs (every id answered exactly once, return values, reply
data), a PING in the middle of the calls and one after them, SHUTDOWN and exit 0. Also checks that
the module refuses to run without the cookie (exit 64), and with --robustness how it handles
drip-fed input, unknown frame types, an oversized frame and end of input without SHUTDOWN.
Reports calls per second. Lines-mode modules (--lines or "mode": "lines") get the lines protocol.

    conformance.py plugins/filter/mice-flt-python-example --expect-drop DROPME
    conformance.py --kind filter --config '{"mode": "keep"}' -- .build/debug/mice-test-plugin
    conformance.py --lines --kind filter -- /bin/sh plugins/filter/mice-flt-grep-sh/filter.sh

Exit status: 0 when every check passed, 1 otherwise, 2 for bad usage.
"""

import argparse
import json
import os
import selectors
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

COOKIE = "mice-plugin-2c7b1f0e"
HELLO, CONFIGURE, READY, CALL, REPLY, ERROR, PING, PONG, SHUTDOWN = range(1, 10)
FRAME_NAMES = {1: "HELLO", 2: "CONFIGURE", 3: "READY", 4: "CALL", 5: "REPLY", 6: "ERROR", 7: "PING",
               8: "PONG", 9: "SHUTDOWN"}
KINDS = ("format", "filter", "pseudonymizer", "decoding", "postprocessing", "reaction")
FILE_TYPE_KINDS = ("format", "filter", "pseudonymizer")
LAYOUTS = {"seed": (1688, 662, 1024, 1686), "0.2": (6608, 696, 4096, 6604)}
DEFAULT_MAX_FRAME_BYTES = 1 << 20
HEADER = struct.Struct(">IHHQ")
RV = struct.Struct(">i")
PING_MID_ID = 1 << 40
PING_END_ID = (1 << 40) + 1


class Failure(Exception):
    pass


# MARK: - Records


def checksum(data):
    """in_chksum of the original (16-bit little-endian words, one's complement)."""
    raw = bytes(data) + (b"\0" if len(data) & 1 else b"")
    value = int.from_bytes(raw, "little")
    folded = value % 0xFFFF
    if folded == 0 and value != 0:
        folded = 0xFFFF
    return ~folded & 0xFFFF


def make_record(layout, line, file_type=1):
    size, data_at, data_size, sum_at = LAYOUTS[layout]
    record = bytearray(size)
    for offset, text in ((0, b"host"), (256, b"example.org"), (512, b"192.0.2.1"), (542, b"Linux"),
                         (562, b"6.1.0"), (582, b"#1"), (602, b"2004/09/05"), (632, b"18:55:00")):
        record[offset:offset + len(text)] = text
    data = line[:data_size - 1]
    record[data_at:data_at + len(data)] = data
    if layout == "0.2":
        record[4792:4796] = struct.pack("<I", file_type)
    record[sum_at:sum_at + 2] = checksum(record).to_bytes(2, "little")
    return bytes(record)


def sample_lines(args):
    if args.data_file:
        with open(args.data_file, "rb") as handle:
            lines = [line.rstrip(b"\r\n") for line in handle]
        lines = [line for line in lines if line] or [b"empty"]
        return lines
    lines = []
    for i in range(100):
        text = "Sep  5 18:55:%02d host sshd[%d]: conformance line %d" % (i % 60, 1000 + i, i)
        if i % 10 == 3:
            text += " DROPME"
        lines.append(text.encode())
    return lines


def call_data(args, line):
    """The data argument of one call (without the file type)."""
    if args.small is not None:
        return (line * (args.small // max(len(line), 1) + 1))[:args.small]
    kind = args.kind
    if kind in ("format", "reaction"):
        return line
    if kind in ("filter", "pseudonymizer", "postprocessing"):
        return make_record(args.layout, line)
    if kind == "decoding":
        record = make_record(args.layout, line)
        return struct.pack("<I", 0) + bytes(16) + struct.pack("<I", len(record)) + record
    raise Failure("kind %s takes no calls" % kind)


def logdata_of(args, data):
    """The line a call carries, for expectations (log data of a record, else the data)."""
    if args.small is None and args.kind in ("filter", "pseudonymizer", "postprocessing", "decoding"):
        size, at, length, _ = LAYOUTS[args.layout]
        if args.kind == "decoding":
            data = data[24:]
        field = data[at:at + length]
        end = field.find(b"\0")
        return field if end < 0 else field[:end]
    return data


# MARK: - Process


def resolve_target(args):
    """argv, working directory, manifest (or None)."""
    manifest = None
    if args.command:
        argv = list(args.command)
        cwd = args.cwd or os.getcwd()
        if args.plugin:
            raise Failure("give a plugin folder or a command after --, not both")
    elif args.plugin:
        folder = os.path.abspath(args.plugin)
        path = os.path.join(folder, "plugin.json") if os.path.isdir(folder) else folder
        folder = os.path.dirname(path)
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
        argv = list(manifest.get("exec") or [])
        if not argv:
            raise Failure("%s has no exec" % path)
        first = argv[0]
        if first.startswith("@bin/"):
            bin_dir = args.bin_dir or find_bin_dir(folder)
            argv[0] = os.path.join(bin_dir, first[len("@bin/"):])
        elif not os.path.isabs(first):
            argv[0] = os.path.normpath(os.path.join(folder, first))
        cwd = folder
    else:
        raise Failure("give a plugin folder or -- COMMAND")
    return argv, cwd, manifest


def find_bin_dir(start):
    here = start
    while here != os.path.dirname(here):
        if os.path.exists(os.path.join(here, "Package.swift")):
            for sub in ("release", "debug"):
                candidate = os.path.join(here, ".build", sub)
                if os.path.isdir(candidate):
                    return candidate
        here = os.path.dirname(here)
    raise Failure("cannot resolve @bin/: no .build folder found; use --bin-dir")


def environment(args, cwd, state_dir, cookie=True):
    env = {}
    for name in ("PATH", "LANG", "LC_ALL", "TZ", "HOME"):
        if name in os.environ:
            env[name] = os.environ[name]
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    for name in args.pass_env:
        if name in os.environ:
            env[name] = os.environ[name]
    if cookie:
        env["MICE_PLUGIN_COOKIE"] = COOKIE
    env["MICE_PLUGIN_PROTOCOL_VERSIONS"] = args.versions
    env["MICE_PLUGIN_NAME"] = args.name
    env["MICE_PLUGIN_KIND"] = args.kind
    env["MICE_PLUGIN_MODE"] = "lines" if args.lines else "frames"
    env["MICE_PLUGIN_DIR"] = cwd
    env["MICE_PLUGIN_STATE_DIR"] = state_dir
    if args.lines:
        env["MICE_PLUGIN_CONFIG"] = json.dumps(args.config_value)
    return env


class Module:
    """A started module: pipes, a stderr relay thread, and a frame reader with deadlines."""

    def __init__(self, args, argv, cwd, env):
        self.args = args
        self.process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True, close_fds=True, bufsize=0)
        self.stdin = self.process.stdin.fileno()
        self.stdout = self.process.stdout.fileno()
        os.set_blocking(self.stdin, False)
        self.buffer = bytearray()
        self.eof = False
        self.stderr_lines = []
        self.relay = threading.Thread(target=self._relay, daemon=True)
        self.relay.start()

    def _relay(self):
        for raw in iter(self.process.stderr.readline, b""):
            line = raw.rstrip(b"\n").decode("utf-8", "replace")
            self.stderr_lines.append(line)
            if self.args.verbose:
                sys.stderr.write("  [module] %s\n" % line)

    def stderr_tail(self, count=15):
        return self.stderr_lines[-count:]

    def fill(self, deadline):
        """Reads what stdout has, waiting until `deadline`; False on timeout."""
        if self.eof:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        with selectors.DefaultSelector() as selector:
            selector.register(self.stdout, selectors.EVENT_READ)
            if not selector.select(remaining):
                return False
        chunk = os.read(self.stdout, 1 << 20)
        if chunk:
            self.buffer += chunk
        else:
            self.eof = True
        return True

    def next_frame(self, timeout, what):
        """The next frame (type, flags, id, payload bytes); fails on EOF or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buffer) >= 16:
                length, ftype, flags, fid = HEADER.unpack_from(self.buffer, 0)
                if length > 16 << 20:
                    raise Failure("%s: frame announces %d bytes (above the 16 MiB ceiling)" % (what, length))
                if len(self.buffer) >= 16 + length:
                    payload = bytes(self.buffer[16:16 + length])
                    del self.buffer[:16 + length]
                    return ftype, flags, fid, payload
            if self.eof:
                raise Failure("%s: module closed stdout (%d stray bytes: %r)" % (
                    what, len(self.buffer), bytes(self.buffer[:64])))
            if not self.fill(deadline):
                raise Failure("%s: nothing within %.1f s" % (what, timeout))

    def write(self, data, timeout):
        view = memoryview(data)
        deadline = time.monotonic() + timeout
        while view:
            try:
                written = os.write(self.stdin, view)
                view = view[written:]
            except BrokenPipeError:
                raise Failure("module closed its stdin (exit status %s)" % self.process.poll())
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Failure("module does not read its stdin")
                # Keep reading stdout meanwhile, so a module blocked on its replies can go on.
                self.fill(time.monotonic() + 0.01)

    def close_stdin(self):
        try:
            self.process.stdin.close()
        except OSError:
            pass

    def wait_exit(self, timeout):
        """Reads stdout to its end and returns the exit status (None on timeout)."""
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self.fill(deadline)
        try:
            return self.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
            self.process.wait()
        self.relay.join(2)


def frame(ftype, payload=b"", fid=0):
    return HEADER.pack(len(payload), ftype, 0, fid) + payload


def control(ftype, message, fid=0):
    return frame(ftype, json.dumps(message).encode(), fid)


def parse_json(payload, what):
    try:
        value = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise Failure("%s payload is not JSON: %s (%r)" % (what, error, payload[:200]))
    if not isinstance(value, dict):
        raise Failure("%s payload is not a JSON object: %r" % (what, payload[:200]))
    return value


# MARK: - Checks


class Report:
    def __init__(self, quiet):
        self.quiet = quiet
        self.passed = 0
        self.failed = 0
        self.results = {}

    def ok(self, text):
        self.passed += 1
        if not self.quiet:
            print("ok    %s" % text)

    def fail(self, text):
        self.failed += 1
        print("FAIL  %s" % text)

    def note(self, text):
        if not self.quiet:
            print("      %s" % text)


def handshake(module, args, report, manifest_limit):
    ftype, flags, fid, payload = module.next_frame(args.timeout, "HELLO")
    if ftype != HELLO:
        rest = bytes(module.buffer[:256])
        raise Failure("first frame is %s, not HELLO: plugin wrote non-protocol output to stdout: %r"
                      % (FRAME_NAMES.get(ftype, ftype), HEADER.pack(len(payload), ftype, flags, fid) + rest))
    if flags or fid:
        raise Failure("HELLO has flags %d / id %d, both must be 0" % (flags, fid))
    hello = parse_json(payload, "HELLO")
    if hello.get("protocol") != "mice-plugin":
        raise Failure("HELLO protocol is %r, not \"mice-plugin\"" % hello.get("protocol"))
    offered = [int(v) for v in args.versions.split(",") if v.strip()]
    version = hello.get("version")
    if version not in offered:
        raise Failure("HELLO version %r is not one of the offered %s" % (version, offered))
    if version != max(offered):
        report.note("module chose version %d, not the highest offered" % version)
    if not isinstance(hello.get("name"), str):
        raise Failure("HELLO has no name")
    if hello["name"] != args.name:
        report.note("HELLO name %r differs from the manifest name %r" % (hello["name"], args.name))
    if "kind" in hello and hello["kind"] != args.kind:
        raise Failure("HELLO kind %r, manifest kind %r" % (hello["kind"], args.kind))
    report.ok("HELLO %s" % json.dumps(hello, sort_keys=True))
    limit = min(int(hello.get("maxFrameBytes") or DEFAULT_MAX_FRAME_BYTES), manifest_limit, 16 << 20)
    configure = {"version": version, "maxFrameBytes": limit, "name": args.name, "kind": args.kind,
                 "layout": args.layout, "config": args.config_value, "heartbeatSeconds": 30}
    module.write(control(CONFIGURE, configure), args.timeout)
    ftype, flags, fid, payload = module.next_frame(args.timeout, "READY")
    if ftype == ERROR:
        error = parse_json(payload, "ERROR")
        status = module.wait_exit(args.timeout)
        if args.expect_config_error:
            if error.get("code") == 2 and status == 78:
                report.ok("configuration rejected as expected: ERROR %s, exit 78" % error)
                return None
            raise Failure("expected ERROR 2 + exit 78, got ERROR %s, exit %s" % (error, status))
        raise Failure("CONFIGURE answered with ERROR %s; exit status %s" % (error, status))
    if ftype != READY:
        raise Failure("answer to CONFIGURE is %s, not READY" % FRAME_NAMES.get(ftype, ftype))
    ready = parse_json(payload, "READY")
    if not isinstance(ready.get("init"), int):
        raise Failure("READY has no integer init: %r" % ready)
    if args.expect_config_error:
        raise Failure("expected the configuration to be rejected, got READY %s" % ready)
    if args.expect_init is not None and ready["init"] != args.expect_init:
        raise Failure("READY init is %d, expected %d" % (ready["init"], args.expect_init))
    report.ok("READY %s" % json.dumps(ready))
    return limit


def expected_rv(args, line, data):
    if args.expect_drop is not None:
        return 1 if args.expect_drop.encode() in line else 0
    if args.expect_rv is None:
        return None
    if args.expect_rv == "length":
        return len(data)
    return int(args.expect_rv)


def check_reply_data(args, data, reply):
    mode = args.expect_data
    if mode is None:
        return None
    if mode == "echo" and reply != data:
        return "reply data is not the call data (%d vs %d bytes)" % (len(reply), len(data))
    if mode == "empty" and reply:
        return "reply data is not empty (%d bytes)" % len(reply)
    if mode == "nonempty" and not reply:
        return "reply data is empty"
    if mode == "record" and len(reply) != LAYOUTS[args.layout][0]:
        return "reply data has %d bytes, not a %s record" % (len(reply), args.layout)
    return None


def run_calls(module, args, report, samples):
    """Pipelined calls with a PING in the middle; returns calls per second."""
    carries = args.kind in FILE_TYPE_KINDS
    payloads = [(struct.pack(">I", args.file_type) if carries else b"") + data for _, data in samples]
    expected = [expected_rv(args, line, data) for line, data in samples]
    count = args.calls
    window = max(1, args.window)
    pool = len(samples)
    answered = bytearray(count + 1)
    rv_counts = {}
    errors = {}
    problems = []
    next_id = 1
    received = 0
    pong_seen = False
    ping_sent = False
    pack = HEADER.pack
    unpack_from = HEADER.unpack_from
    rv_from = RV.unpack_from
    need_data = args.expect_data is not None
    pending = bytearray()
    out = memoryview(b"")
    out_buffer = b""
    stdin, stdout = module.stdin, module.stdout
    selector = selectors.DefaultSelector()
    selector.register(stdout, selectors.EVENT_READ)
    writing = False
    started = time.monotonic()
    last_progress = started

    def queue(limit):
        nonlocal next_id, ping_sent
        parts = []
        end = min(count + 1, next_id + limit)
        for i in range(next_id, end):
            payload = payloads[i % pool]
            parts.append(pack(len(payload), CALL, 0, i))
            parts.append(payload)
            if not ping_sent and i >= count // 2:
                parts.append(pack(0, PING, 0, PING_MID_ID))
                ping_sent = True
        next_id = end
        return b"".join(parts)

    out_buffer = queue(window)
    out = memoryview(out_buffer)
    while received < count or not pong_seen:
        if out and not writing:
            selector.register(stdin, selectors.EVENT_WRITE)
            writing = True
        elif not out and writing:
            selector.unregister(stdin)
            writing = False
        events = selector.select(1.0)
        now = time.monotonic()
        if not events:
            if now - last_progress > args.timeout:
                raise Failure("no reply for %.1f s: %d of %d calls answered" % (args.timeout, received, count))
            if module.process.poll() is not None:
                raise Failure("module exited with %s after %d of %d replies" % (
                    module.process.returncode, received, count))
            continue
        for key, mask in events:
            if key.fd == stdin:
                try:
                    written = os.write(stdin, out)
                except BlockingIOError:
                    continue
                except BrokenPipeError:
                    raise Failure("module closed its stdin after %d replies" % received)
                out = out[written:]
                continue
            chunk = os.read(stdout, 1 << 20)
            if not chunk:
                raise Failure("module closed stdout after %d of %d replies" % (received, count))
            last_progress = now
            if pending:
                pending += chunk
                data = bytes(pending)
                pending.clear()
            else:
                data = chunk
            pos = 0
            size = len(data)
            answered_now = 0
            while size - pos >= 16:
                length, ftype, flags, fid = unpack_from(data, pos)
                end = pos + 16 + length
                if end > size:
                    break
                start = pos + 16
                pos = end
                if flags:
                    problems.append("frame with flags %d" % flags)
                if ftype == REPLY or ftype == ERROR:
                    if not 1 <= fid <= count or fid >= next_id:
                        problems.append("%s for unknown id %d" % (FRAME_NAMES[ftype], fid))
                        continue
                    if answered[fid]:
                        problems.append("second answer for id %d" % fid)
                        continue
                    answered[fid] = 1
                    received += 1
                    answered_now += 1
                    if ftype == ERROR:
                        try:
                            code = json.loads(data[start:end]).get("code")
                        except ValueError:
                            code = "unparsable"
                        errors[code] = errors.get(code, 0) + 1
                        continue
                    if length < 4:
                        problems.append("REPLY %d shorter than 4 bytes" % fid)
                        continue
                    value = rv_from(data, start)[0]
                    rv_counts[value] = rv_counts.get(value, 0) + 1
                    want = expected[fid % pool]
                    if want is not None and value != want:
                        problems.append("id %d: return value %d, expected %d" % (fid, value, want))
                    if need_data:
                        problem = check_reply_data(args, samples[fid % pool][1], data[start + 4:end])
                        if problem:
                            problems.append("id %d: %s" % (fid, problem))
                elif ftype == PONG:
                    if fid != PING_MID_ID:
                        problems.append("PONG with id %d, PING had %d" % (fid, PING_MID_ID))
                    pong_seen = True
                else:
                    problems.append("unexpected %s frame id %d" % (FRAME_NAMES.get(ftype, ftype), fid))
                if len(problems) > 20:
                    raise Failure("; ".join(problems[:20]))
            if pos < size:
                pending += data[pos:]
            if answered_now and next_id <= count:
                more = queue(answered_now)
                rest = bytes(out)
                out_buffer = rest + more if rest else more
                out = memoryview(out_buffer)
    elapsed = time.monotonic() - started
    if writing:
        selector.unregister(stdin)
    selector.close()
    if args.expect_error is not None and errors.get(args.expect_error) != count:
        problems.append("expected ERROR %d for every call, got %s ERROR and %s REPLY" % (
            args.expect_error, errors or "no", rv_counts or "no"))
    elif args.expect_error is None and errors and (args.expect_rv is not None or args.expect_drop is not None):
        problems.append("ERROR frames instead of REPLYs: %s" % errors)
    if problems:
        raise Failure("; ".join(problems[:20]))
    rate = count / elapsed if elapsed > 0 else float("inf")
    summary = ", ".join("%d x rv %d" % (n, v) for v, n in sorted(rv_counts.items()))
    if errors:
        summary += ", " + ", ".join("%d x ERROR %s" % (n, c) for c, n in sorted(errors.items(), key=str))
    report.ok("%d pipelined CALLs (window %d) answered once each: %s" % (count, window, summary))
    report.ok("PONG for the PING sent between calls")
    report.results.update({"calls": count, "seconds": round(elapsed, 4), "calls_per_s": round(rate),
                           "return_values": {str(k): v for k, v in rv_counts.items()},
                           "errors": {str(k): v for k, v in errors.items()}})
    return rate


def ping_and_shutdown(module, args, report):
    module.write(frame(PING, b"", PING_END_ID), args.timeout)
    ftype, _, fid, _ = module.next_frame(args.timeout, "PONG")
    if ftype != PONG or fid != PING_END_ID:
        raise Failure("answer to PING %d is %s id %d" % (PING_END_ID, FRAME_NAMES.get(ftype, ftype), fid))
    report.ok("PING -> PONG")
    module.write(control(SHUTDOWN, {"reason": "conformance test done"}), args.timeout)
    module.close_stdin()
    status = module.wait_exit(args.timeout)
    if module.buffer:
        raise Failure("module wrote %d bytes after SHUTDOWN: %r" % (len(module.buffer), bytes(module.buffer[:64])))
    if status != 0:
        raise Failure("exit status after SHUTDOWN is %s, expected 0" % status)
    report.ok("SHUTDOWN -> exit 0")


def start(args, argv, cwd, state_dir, cookie=True):
    return Module(args, argv, cwd, environment(args, cwd, state_dir, cookie))


def check_cookie(args, argv, cwd, state_dir, report):
    module = start(args, argv, cwd, state_dir, cookie=False)
    try:
        module.close_stdin()
        status = module.wait_exit(args.timeout)
        if status != 64:
            report.fail("started without the cookie: exit %s, expected 64" % status)
        elif module.buffer:
            report.fail("started without the cookie: wrote %d bytes to stdout" % len(module.buffer))
        else:
            report.ok("started without the cookie: exit 64, stdout empty")
    finally:
        module.kill()


def session(args, argv, cwd, state_dir, report, manifest_limit, body):
    """Starts the module, runs the handshake, then `body(module, limit)`."""
    module = start(args, argv, cwd, state_dir)
    try:
        limit = handshake(module, args, report, manifest_limit)
        if limit is not None:
            body(module, limit)
    except Failure as failure:
        report.fail(str(failure))
        tail = module.stderr_tail()
        if tail:
            print("      last stderr lines of the module:")
            for line in tail:
                print("        %s" % line)
    finally:
        module.kill()


def robustness(args, argv, cwd, state_dir, report, manifest_limit, samples):
    carries = args.kind in FILE_TYPE_KINDS
    payload = (struct.pack(">I", args.file_type) if carries else b"") + samples[0][1]

    def drip(module, limit):
        data = frame(CALL, payload, 1) + frame(200, b"xyz", 0) + frame(CALL, payload, 2)
        step = max(1, len(data) // 4096)  # one byte per write, or 4096 writes for big payloads
        for i in range(0, len(data), step):
            module.write(data[i:i + step], args.timeout)
        ids = []
        for _ in range(2):
            ftype, _, fid, _ = module.next_frame(args.timeout, "answer to drip-fed CALL")
            if ftype not in (REPLY, ERROR):
                raise Failure("drip-fed CALL answered with %s" % FRAME_NAMES.get(ftype, ftype))
            ids.append(fid)
        if ids != [1, 2]:
            raise Failure("drip-fed CALLs answered with ids %s" % ids)
        report.ok("CALLs drip-fed %d byte(s) per write, with an unknown frame type between them" % step)
        module.close_stdin()
        status = module.wait_exit(args.timeout)
        if status != 0:
            raise Failure("end of input without SHUTDOWN: exit %s, expected 0" % status)
        report.ok("end of input without SHUTDOWN -> exit 0")

    def oversize(module, limit):
        module.write(HEADER.pack(limit + 1, CALL, 0, 1), args.timeout)
        ftype, _, fid, body = module.next_frame(args.timeout, "answer to an oversized frame")
        if ftype != ERROR:
            raise Failure("oversized frame answered with %s" % FRAME_NAMES.get(ftype, ftype))
        code = parse_json(body, "ERROR").get("code")
        status = module.wait_exit(args.timeout)
        if code != 6 or status != 76:
            raise Failure("oversized frame: ERROR %s, exit %s; expected ERROR 6, exit 76" % (code, status))
        report.ok("frame above maxFrameBytes (%d) -> ERROR 6, exit 76, before its payload" % limit)

    session(args, argv, cwd, state_dir, report, manifest_limit, drip)
    session(args, argv, cwd, state_dir, report, manifest_limit, oversize)

    def expect_error_exit(module, what, code, status_expected):
        ftype, _, _, body = module.next_frame(args.timeout, what)
        if ftype != ERROR:
            raise Failure("%s: answered with %s, expected ERROR %d" % (what, FRAME_NAMES.get(ftype, ftype), code))
        got = parse_json(body, "ERROR").get("code")
        module.close_stdin()
        status = module.wait_exit(args.timeout)
        if got != code or status != status_expected:
            raise Failure("%s: ERROR %s, exit %s; expected ERROR %d, exit %d" % (what, got, status, code,
                                                                                status_expected))
        report.ok("%s -> ERROR %d, exit %d" % (what, code, status_expected))

    checks = [("CALL before CONFIGURE", "1"), ("no common protocol version", "99")]
    for what, versions in checks:
        saved, args.versions = args.versions, versions
        module = start(args, argv, cwd, state_dir)
        args.versions = saved
        try:
            if versions == "99":
                expect_error_exit(module, what, 1, 76)
            else:
                ftype, _, _, _ = module.next_frame(args.timeout, "HELLO")
                if ftype != HELLO:
                    raise Failure("first frame is not HELLO")
                module.write(frame(CALL, payload, 1), args.timeout)
                expect_error_exit(module, what, 5, 76)
        except Failure as failure:
            report.fail(str(failure))
        finally:
            module.kill()


# MARK: - Lines mode


def run_lines(args, argv, cwd, state_dir, report, samples):
    module = start(args, argv, cwd, state_dir)
    try:
        lines = [line.replace(b"\n", b" ").replace(b"\r", b" ") + b"\n" for line, _ in samples]
        count = args.calls
        window = max(1, args.window)
        pool = len(lines)
        sent = 0
        received = 0
        problems = []
        pending = b""
        started = time.monotonic()
        deadline_gap = args.timeout
        kept = dropped = 0

        def batch(n):
            nonlocal sent
            parts = [lines[i % pool] for i in range(sent, min(count, sent + n))]
            sent += len(parts)
            return b"".join(parts)

        module.write(batch(window), args.timeout)
        while received < count:
            if not module.fill(time.monotonic() + deadline_gap):
                raise Failure("no answer line for %.1f s: %d of %d answered" % (deadline_gap, received, count))
            if module.eof and not module.buffer:
                raise Failure("module closed stdout after %d of %d lines (exit %s)" % (
                    received, count, module.process.poll()))
            data = pending + bytes(module.buffer)
            module.buffer.clear()
            answers = data.split(b"\n")
            pending = answers.pop()
            for answer in answers:
                index = received % pool
                line = samples[index][0]
                if answer:
                    kept += 1
                else:
                    dropped += 1
                if args.expect_drop is not None:
                    should_drop = args.expect_drop.encode() in line
                    if should_drop != (answer == b""):
                        problems.append("line %d %r: answer %r" % (received + 1, line[:60], answer[:60]))
                if args.expect_data == "echo" and answer != line:
                    problems.append("line %d: answer %r is not the line" % (received + 1, answer[:60]))
                received += 1
            if len(problems) > 20:
                break
            if answers and sent < count:
                module.write(batch(len(answers)), args.timeout)
            if module.eof and received < count:
                raise Failure("module closed stdout after %d of %d lines" % (received, count))
        elapsed = time.monotonic() - started
        if problems:
            raise Failure("; ".join(problems[:20]))
        rate = count / elapsed if elapsed > 0 else float("inf")
        report.ok("%d lines answered in order (window %d): %d non-empty, %d empty" % (count, window, kept, dropped))
        report.results.update({"calls": count, "seconds": round(elapsed, 4), "calls_per_s": round(rate)})
        module.close_stdin()
        status = module.wait_exit(args.timeout)
        if module.buffer or pending:
            raise Failure("extra output after the last answer: %r" % (pending + bytes(module.buffer))[:64])
        if status != 0:
            raise Failure("exit status at end of input is %s, expected 0" % status)
        report.ok("end of input -> exit 0")
        return rate
    except Failure as failure:
        report.fail(str(failure))
        for line in module.stderr_tail():
            print("        %s" % line)
        return None
    finally:
        module.kill()


# MARK: - Main


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Check an M-ICE module against docs/plugin-protocol.md and measure its call rate.",
        usage="%(prog)s [options] PLUGIN_DIR | %(prog)s [options] -- COMMAND [ARG...]")
    parser.add_argument("plugin", nargs="?", help="plugin folder (or its plugin.json)")
    parser.add_argument("--kind", choices=KINDS, help="module kind (default: manifest, else filter)")
    parser.add_argument("--name", help="plugin name (default: manifest, else the command's base name)")
    parser.add_argument("--lines", action="store_true", default=None, help="lines mode (default: manifest)")
    parser.add_argument("--layout", choices=sorted(LAYOUTS), default="seed", help="LogFormat layout (seed)")
    parser.add_argument("--config", default="{}", help="JSON object overlaid on the manifest's defaults")
    parser.add_argument("--versions", default="1", help="MICE_PLUGIN_PROTOCOL_VERSIONS (1)")
    parser.add_argument("--calls", type=int, default=10000, help="number of calls (10000)")
    parser.add_argument("--window", type=int, help="calls in flight (default: manifest maxInFlight, else 256)")
    parser.add_argument("--data-file", help="one log line per call, cycled (default: generated lines)")
    parser.add_argument("--small", type=int, metavar="BYTES",
                        help="send BYTES bytes of raw data per call instead of records (small-call benchmark)")
    parser.add_argument("--file-type", type=int, default=1, help="fileType of format/filter/pseudonymizer calls (1)")
    parser.add_argument("--expect-rv", help="expected return value of every call (an int, or 'length')")
    parser.add_argument("--expect-drop", metavar="TEXT",
                        help="filter semantics: rv 1 (lines: empty answer) iff the log data contains TEXT, else 0")
    parser.add_argument("--expect-data", choices=("echo", "empty", "nonempty", "record"),
                        help="what every REPLY's data must be")
    parser.add_argument("--expect-error", type=int, metavar="CODE",
                        help="every call must be answered with ERROR CODE (e.g. 3 for a bad call)")
    parser.add_argument("--expect-init", type=int, help="expected READY init value")
    parser.add_argument("--expect-config-error", action="store_true",
                        help="expect ERROR 2 and exit 78 after CONFIGURE")
    parser.add_argument("--no-cookie-check", action="store_true", help="skip the run without the cookie")
    parser.add_argument("--robustness", action="store_true",
                        help="also drip-feed, unknown frame type, EOF without SHUTDOWN, oversized frame")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds for each step (10)")
    parser.add_argument("--cwd", help="working directory for a command (default: current)")
    parser.add_argument("--bin-dir", help="folder for @bin/NAME (default: .build/release or debug above)")
    parser.add_argument("--pass-env", action="append", default=[], metavar="NAME",
                        help="pass this variable of the caller's environment through (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON line at the end")
    parser.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    parser.add_argument("-v", "--verbose", action="store_true", help="relay the module's stderr")
    command = []
    if "--" in argv:
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1:]
    args = parser.parse_args(argv)
    args.command = command
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    report = Report(args.quiet)
    try:
        target, cwd, manifest = resolve_target(args)
        manifest = manifest or {}
        protocol = manifest.get("protocol") or {}
        args.kind = args.kind or manifest.get("kind") or "filter"
        args.name = args.name or manifest.get("name") or os.path.basename(target[0])
        if args.lines is None:
            args.lines = protocol.get("mode") == "lines"
        if args.window is None:
            args.window = int(protocol.get("maxInFlight") or 256)
        manifest_limit = int(protocol.get("maxFrameBytes") or DEFAULT_MAX_FRAME_BYTES)
        config = {}
        for key, spec in (manifest.get("options") or {}).items():
            if isinstance(spec, dict) and "default" in spec:
                config[key] = spec["default"]
        overlay = json.loads(args.config)
        if not isinstance(overlay, dict):
            raise Failure("--config must be a JSON object")
        config.update(overlay)
        args.config_value = config
        lines = sample_lines(args)
        samples = [(line, call_data(args, line)) for line in lines]
    except (Failure, OSError, ValueError) as error:
        print("conformance.py: %s" % error, file=sys.stderr)
        return 2
    print("module: %s (%s, %s mode, layout %s) in %s" % (
        " ".join(target), args.kind, "lines" if args.lines else "frames", args.layout, cwd))
    with tempfile.TemporaryDirectory(prefix="mice-conformance-") as state_dir:
        if args.lines:
            run_lines(args, target, cwd, state_dir, report, samples)
        else:
            if not args.no_cookie_check:
                check_cookie(args, target, cwd, state_dir, report)

            def body(module, limit):
                rate = run_calls(module, args, report, samples)
                ping_and_shutdown(module, args, report)
                report.note("%.0f calls/s (%d calls, %d bytes of data each)" % (
                    rate, args.calls, len(samples[0][1])))

            session(args, target, cwd, state_dir, report, manifest_limit, body)
            if args.robustness and not args.expect_config_error:
                robustness(args, target, cwd, state_dir, report, manifest_limit, samples)
    if "calls_per_s" in report.results and args.lines:
        report.note("%d lines/s" % report.results["calls_per_s"])
    print("%d passed, %d failed" % (report.passed, report.failed))
    if args.json:
        report.results.update({"passed": report.passed, "failed": report.failed, "kind": args.kind,
                               "mode": "lines" if args.lines else "frames"})
        print(json.dumps(report.results, sort_keys=True))
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
