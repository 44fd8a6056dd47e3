// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A mail that could not be delivered: the SMTP server was unreachable, timed out or refused a
/// command; names the server and, when it answered, its reply.
public struct MailError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The host name did not resolve or no address accepted the connection.
        public static let connectFailed = Code("connect failed")
        /// Reading or writing the connection failed or timed out.
        public static let ioFailed = Code("I/O failed")
        /// The server answered a command with an error reply (4xx or 5xx) or an unreadable one.
        public static let rejected = Code("rejected")

        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// The server, `host:port`.
    public var server: String
    /// The command at fault (`EHLO`, `MAIL`, `RCPT`, `DATA`, …), when there was one.
    public var command: String?
    /// The server's reply code, when it answered.
    public var replyCode: Int?
    /// Detail (the server's reply text or the system error).
    public var message: String

    public init(_ code: Code, server: String, command: String? = nil, replyCode: Int? = nil, _ message: String) {
        self.code = code
        self.server = server
        self.command = command
        self.replyCode = replyCode
        self.message = message
    }

    /// True for a permanent refusal (5xx); a retry is still made (the configuration may be fixed
    /// on the server side) but the log says so.
    public var isPermanent: Bool { (replyCode ?? 0) >= 500 }

    public var description: String {
        var text = "\(code) \(server)"
        if let command { text += " at \(command)" }
        if let replyCode { text += " (\(replyCode))" }
        return text + ": " + message
    }
}
