#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""Suricata eve.json alerts to an M-ICE management host.

Reads eve.json lines (files or standard input), turns every event_type "alert" into an IDMEF
document (RFC 4765; the element order of prelude-manager's idmef-message.dtd) and wraps it as an
IdmefMsgFormat inside a plaintext CipherIdmefMsg (IVLen 0; spec section 3.4): 10267 bytes per alert.
The records go over TCP to a management host's BufferDaemon entry in legacy link mode (decoding
module mice-dec-idmef), or with --output to a file ("-": standard output).

    eve2idmef.py --host 127.0.0.1 --port 4455 /var/log/suricata/eve.json
    tail -F /var/log/suricata/eve.json | eve2idmef.py --host mgmt --port 4455
    eve2idmef.py --output alerts.bin eve.json

Lines that are not JSON or not alerts are skipped (counted on standard error with --verbose).
"""

import argparse
import datetime
import ipaddress
import json
import socket
import struct
import sys
import time
from xml.sax.saxutils import escape, quoteattr

MESSAGE_CAPACITY = 10241  # cIdmefMsg
MAX_IDMEF_SIZE = 10240  # MAX_IDMEFMSGSIZE
IDMEF_RECORD_SIZE = 10243  # IdmefMsgFormat
ENVELOPE_SIZE = 24 + IDMEF_RECORD_SIZE  # CipherIdmefMsg
NAMESPACE = "http://iana.org/idmef"
NTP_OFFSET = 2208988800
SEVERITIES = {1: "high", 2: "medium", 3: "low"}


def checksum(data):
    """The Internet checksum of the original (16-bit little-endian words, odd byte padded)."""
    if len(data) % 2:
        data = data + b"\0"
    total = sum(struct.unpack("<%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def envelope(xml):
    """A plaintext CipherIdmefMsg around the IDMEF document `xml` (bytes, at most 10240)."""
    if len(xml) > MAX_IDMEF_SIZE:
        raise ValueError("IDMEF document of %d bytes exceeds %d" % (len(xml), MAX_IDMEF_SIZE))
    record = bytearray(IDMEF_RECORD_SIZE)
    record[: len(xml)] = xml
    struct.pack_into("<H", record, MESSAGE_CAPACITY, checksum(bytes(record)))
    return struct.pack("<I16sI", 0, b"\0" * 16, IDMEF_RECORD_SIZE) + bytes(record)


def clean(text):
    """Text without the characters XML 1.0 forbids."""
    return "".join(
        c if c in "\t\n\r" or ("\x20" <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c > "\uffff" else "\ufffd"
        for c in str(text)
    )


def element(name, text):
    return "<%s>%s</%s>" % (name, escape(clean(text)), name)


def attr(value):
    return quoteattr(clean(value))


def parse_time(text):
    """Suricata's timestamp (2024-05-01T12:00:00.123456+0200) as an aware datetime, or now."""
    if text:
        for layout in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
            try:
                return datetime.datetime.strptime(text, layout)
            except ValueError:
                pass
    return datetime.datetime.now(datetime.timezone.utc).astimezone()


def time_element(name, moment):
    seconds = moment.timestamp()
    whole = int(seconds)
    fraction = int((seconds - whole) * (1 << 32)) & 0xFFFFFFFF
    stamp = "0x%08x.0x%08x" % ((whole + NTP_OFFSET) & 0xFFFFFFFF, fraction)
    text = moment.isoformat(timespec="microseconds")
    return "<%s ntpstamp=%s>%s</%s>" % (name, attr(stamp), escape(text), name)


def endpoint(tag, address, port, protocol):
    parts = []
    if address:
        try:
            category = "ipv6-addr" if ipaddress.ip_address(address).version == 6 else "ipv4-addr"
        except ValueError:
            category = "unknown"
        parts.append(
            '<Node><Address category=%s>%s</Address></Node>' % (attr(category), element("address", address))
        )
    if port is not None and str(port).isdigit():
        protocol_attr = " iana_protocol_name=%s" % attr(protocol.lower()) if protocol else ""
        parts.append("<Service%s>%s</Service>" % (protocol_attr, element("port", port)))
    if not parts:
        return ""
    return "<%s>%s</%s>" % (tag, "".join(parts), tag)


def idmef(event, message_id, analyzer_id):
    """The IDMEF document (bytes) of one eve.json alert event."""
    alert = event.get("alert") or {}
    signature = alert.get("signature") or "Suricata alert"
    severity = SEVERITIES.get(alert.get("severity"), "info")
    detected = parse_time(event.get("timestamp"))
    created = datetime.datetime.now(datetime.timezone.utc).astimezone()
    protocol = event.get("proto") or ""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<IDMEF-Message version="1.0" xmlns=%s>' % attr(NAMESPACE)]
    out.append("<Alert messageid=%s>" % attr(message_id))
    analyzer = '<Analyzer analyzerid=%s name="suricata" manufacturer="OISF" model="Suricata" class="NIDS"' % attr(
        analyzer_id
    )
    host = event.get("host")
    if host:
        analyzer += '><Node category="dns">%s</Node></Analyzer>' % element("name", host)
    else:
        analyzer += "/>"
    out.append(analyzer)
    out.append(time_element("CreateTime", created))
    out.append(time_element("DetectTime", detected))
    out.append(endpoint("Source", event.get("src_ip"), event.get("src_port"), protocol))
    out.append(endpoint("Target", event.get("dest_ip"), event.get("dest_port"), protocol))
    references = ""
    if alert.get("signature_id") is not None:
        references = '<Reference origin="vendor-specific" meaning="Suricata signature ID">%s%s</Reference>' % (
            element("name", "sid:%s" % alert.get("signature_id")),
            "<url></url>",
        )
    if references:
        out.append("<Classification text=%s>%s</Classification>" % (attr(signature), references))
    else:
        out.append("<Classification text=%s/>" % attr(signature))
    out.append(
        "<Assessment><Impact severity=%s type=\"other\">%s</Impact></Assessment>"
        % (attr(severity), escape(clean(alert.get("category") or "")))
    )
    for meaning, key in (("Category", "category"), ("Action", "action")):
        if alert.get(key):
            out.append('<AdditionalData type="string" meaning=%s>%s</AdditionalData>' % (attr(meaning), element("string", alert[key])))
    if event.get("flow_id") is not None:
        out.append('<AdditionalData type="integer" meaning="Flow ID">%s</AdditionalData>' % element("integer", int(event["flow_id"])))
    out.append("</Alert></IDMEF-Message>\n")
    return "".join(out).encode("utf-8")


class Sender:
    """Writes records to a TCP peer (reconnecting with a bounded backoff) or to a file."""

    def __init__(self, host, port, output, retries):
        self.host, self.port, self.output, self.retries = host, port, output, retries
        self.socket = None
        self.stream = None
        if output == "-":
            self.stream = sys.stdout.buffer
        elif output:
            self.stream = open(output, "ab")

    def send(self, record):
        if self.stream is not None:
            self.stream.write(record)
            return
        delay = 0.5
        for attempt in range(self.retries + 1):
            try:
                if self.socket is None:
                    self.socket = socket.create_connection((self.host, self.port), timeout=10)
                self.socket.sendall(record)
                return
            except OSError as error:
                if self.socket is not None:
                    self.socket.close()
                    self.socket = None
                if attempt == self.retries:
                    raise
                print("eve2idmef: %s:%d: %s; retrying" % (self.host, self.port, error), file=sys.stderr)
                time.sleep(delay)
                delay = min(delay * 2, 30)

    def close(self):
        if self.socket is not None:
            self.socket.close()
        if self.stream is not None:
            self.stream.flush()
            if self.stream is not sys.stdout.buffer:
                self.stream.close()


def lines(paths):
    if not paths or paths == ["-"]:
        yield from sys.stdin.buffer
        return
    for path in paths:
        with open(path, "rb") as handle:
            yield from handle


def main(argv=None):
    parser = argparse.ArgumentParser(description="Suricata eve.json alerts to an M-ICE management host (IDMEF).")
    parser.add_argument("files", nargs="*", help="eve.json files (default: standard input)")
    parser.add_argument("--host", help="management host (BufferDaemon entry, legacy link, mice-dec-idmef)")
    parser.add_argument("--port", type=int, help="its port")
    parser.add_argument("--output", help="write the records to this file instead ('-': standard output)")
    parser.add_argument("--analyzer-id", default="suricata", help="Analyzer analyzerid (default: suricata)")
    parser.add_argument("--first-id", type=int, default=1, help="first Alert messageid (default: 1)")
    parser.add_argument("--retries", type=int, default=5, help="TCP reconnect attempts per record (default: 5)")
    parser.add_argument("--verbose", action="store_true", help="report skipped lines and a summary")
    args = parser.parse_args(argv)
    if not args.output and (not args.host or not args.port):
        parser.error("give --host and --port, or --output")
    sender = Sender(args.host, args.port, args.output, args.retries)
    sent = skipped = 0
    message_id = args.first_id
    try:
        for number, raw in enumerate(lines(args.files), 1):
            try:
                event = json.loads(raw)
            except ValueError:
                skipped += 1
                if args.verbose:
                    print("eve2idmef: line %d: not JSON; skipped" % number, file=sys.stderr)
                continue
            if not isinstance(event, dict) or event.get("event_type") != "alert":
                skipped += 1
                continue
            try:
                record = envelope(idmef(event, str(message_id), args.analyzer_id))
            except ValueError as error:
                skipped += 1
                print("eve2idmef: line %d: %s; skipped" % (number, error), file=sys.stderr)
                continue
            sender.send(record)
            message_id += 1
            sent += 1
    finally:
        sender.close()
    if args.verbose:
        print("eve2idmef: %d alerts sent, %d lines skipped" % (sent, skipped), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
