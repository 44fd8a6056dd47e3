// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A refusal or failure of the file-descriptor server, as the client sees it; also the errors
/// of starting the server and of dropping privileges.
///
/// The codes with a ``Code/status`` travel on the wire (docs/fd-server.md has the table); unlike
/// the original, every refusal keeps its own code. Extensible in the ServiceLifecycle style.
public struct FdServerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The wire status byte, for codes the server sends; nil for client-side codes.
        public let status: UInt8?
        private let name: String

        private init(status: UInt8?, _ name: String) {
            self.status = status
            self.name = name
        }

        /// Status 1: the request is not a request (too short, bad magic, reserved byte set,
        /// length field and size disagree, an empty message).
        public static let malformedRequest = Code(status: 1, "malformed request")
        /// Status 2: a command byte the server does not know.
        public static let unknownCommand = Code(status: 2, "unknown command")
        /// Status 3: the path is not followed by its NUL terminator.
        public static let missingTerminator = Code(status: 3, "missing terminator")
        /// Status 4: the path is longer than ``FdProtocol/maximumPathLength``.
        public static let pathTooLong = Code(status: 4, "path too long")
        /// Status 5: the path is not absolute or contains a NUL byte.
        public static let invalidPath = Code(status: 5, "invalid path")
        /// Status 6: the path is not on the allow-list.
        public static let notAllowed = Code(status: 6, "not on the allow-list")
        /// Status 7: the path is on the allow-list but resolves (through a symbolic link) to a
        /// path that is not.
        public static let resolvesOutside = Code(status: 7, "resolves outside the allow-list")
        /// Status 8: the file does not exist.
        public static let notFound = Code(status: 8, "not found")
        /// Status 9: resolving or inspecting the path failed (errno says why).
        public static let statFailed = Code(status: 9, "stat failed")
        /// Status 10: not a regular file, character device or FIFO.
        public static let wrongFileType = Code(status: 10, "wrong file type")
        /// Status 11: open(2) failed (errno says why).
        public static let openFailed = Code(status: 11, "open failed")
        /// Status 12: the file opened is not the one checked (it was swapped meanwhile).
        public static let changedDuringOpen = Code(status: 12, "file changed during open")

        /// The server is gone (the socket is closed) or the socket failed (errno says why).
        public static let serverUnavailable = Code(status: nil, "server unavailable")
        /// The reply broke the protocol (wrong size, a descriptor with an error, none with success).
        public static let protocolViolation = Code(status: nil, "protocol violation")
        /// The server could not be started.
        public static let spawnFailed = Code(status: nil, "spawn failed")
        /// The configured user does not exist.
        public static let unknownUser = Code(status: nil, "unknown user")
        /// The configured group does not exist.
        public static let unknownGroup = Code(status: nil, "unknown group")
        /// Changing user or group failed, or root could be regained afterwards.
        public static let privilegeDropFailed = Code(status: nil, "privilege drop failed")

        static let wireCodes: [Code] = [
            .malformedRequest, .unknownCommand, .missingTerminator, .pathTooLong, .invalidPath, .notAllowed,
            .resolvesOutside, .notFound, .statFailed, .wrongFileType, .openFailed, .changedDuringOpen,
        ]

        /// The code of a wire status byte (nil for 0 = success and for unknown values).
        public init?(status: UInt8) {
            guard let code = Self.wireCodes.first(where: { $0.status == status }) else { return nil }
            self = code
        }

        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// The path requested (or the user/group, or the executable), when there is one.
    public var subject: String
    /// The server's (or this process's) errno, when a system call failed.
    public var errno: Int32?
    /// Human-readable detail.
    public var detail: String

    public init(_ code: Code, subject: String = "", errno: Int32? = nil, _ detail: String = "") {
        self.code = code
        self.subject = subject
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        var text = subject.isEmpty ? "\(code)" : "\(subject): \(code)"
        if !detail.isEmpty { text += ": \(detail)" }
        if let errno, errno != 0 { text += " (errno \(errno): \(FdSystem.message(errno)))" }
        return text
    }
}
