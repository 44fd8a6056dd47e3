#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# M-ICE: Modular Intrusion Detection and Countermeasure Environment
"""A tiny SMTP server for the tests: accepts every mail and writes it to a folder.

    smtp_sink.py --dir OUT --port-file PORTFILE [--fail-first N]

Listens on 127.0.0.1 (a free port, written to PORTFILE once listening), speaks enough RFC 5321
for a plain client (EHLO/HELO, MAIL, RCPT, DATA with dot-stuffing, RSET, NOOP, QUIT) and writes
each accepted message to OUT/NNNN.eml, preceded by "X-Envelope-From:" and "X-Envelope-To:"
lines. With --fail-first N, the first N messages are refused with 451 at the end of DATA (a
temporary failure the client must retry). Standard library only; runs until killed.
"""

import argparse
import os
import socketserver
import threading

LOCK = threading.Lock()
STATE = {"count": 0, "refused": 0}


class Handler(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        args = self.server.args
        self.reply("220 mice-test-sink ESMTP")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = command.split(" ", 1)[0].split(":", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-mice-test-sink" if verb == "EHLO" else "250 mice-test-sink")
                if verb == "EHLO":
                    self.reply("250 8BITMIME")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip())
                self.reply("250 OK")
            elif verb == "DATA":
                if sender is None or not recipients:
                    self.reply("503 need MAIL and RCPT")
                    continue
                self.reply("354 end with .")
                body = []
                while True:
                    data = self.rfile.readline()
                    if not data:
                        return
                    if data in (b".\r\n", b".\n"):
                        break
                    if data.startswith(b"."):
                        data = data[1:]
                    body.append(data)
                with LOCK:
                    if STATE["refused"] < args.fail_first:
                        STATE["refused"] += 1
                        self.reply("451 try again later")
                        continue
                    STATE["count"] += 1
                    number = STATE["count"]
                path = os.path.join(args.dir, "%04d.eml" % number)
                temporary = path + ".tmp"
                with open(temporary, "wb") as out:
                    out.write(("X-Envelope-From: %s\r\n" % sender).encode())
                    out.write(("X-Envelope-To: %s\r\n" % ", ".join(recipients)).encode())
                    out.write(b"".join(body))
                os.rename(temporary, path)
                self.reply("250 OK queued as %d" % number)
                sender, recipients = None, []
            elif verb == "RSET":
                sender, recipients = None, []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 command not implemented")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    server = Server(("127.0.0.1", 0), Handler)
    server.args = args
    with open(args.port_file + ".tmp", "w") as out:
        out.write("%d\n" % server.server_address[1])
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
