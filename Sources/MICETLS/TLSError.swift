// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An error of the PKI (``PKI``) or of a link's TLS setup (``TLSIdentity``).
///
/// Extensible in the ServiceLifecycle style: new codes can be added without breaking callers.
public struct TLSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case fileMissing, fileUnreadable, fileUnwritable, badCertificate, badKey, keyPermissions
            case badRevocationList, badName, hostExists, hostUnknown, alreadyInitialized, notInitialized
            case certificateRevoked, badSettings, contextFailed
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A file of the PKI folder does not exist.
        public static let fileMissing = Code(.fileMissing)
        /// A file exists but cannot be read.
        public static let fileUnreadable = Code(.fileUnreadable)
        /// A file or folder cannot be created or written.
        public static let fileUnwritable = Code(.fileUnwritable)
        /// A certificate that does not parse, has expired, or is not signed by the project CA.
        public static let badCertificate = Code(.badCertificate)
        /// A private key that does not parse or does not belong to its certificate.
        public static let badKey = Code(.badKey)
        /// A private key file readable by group or others.
        public static let keyPermissions = Code(.keyPermissions)
        /// `revoked.json` or `index.json` does not parse.
        public static let badRevocationList = Code(.badRevocationList)
        /// A host name that cannot be a file name or a certificate name.
        public static let badName = Code(.badName)
        /// A valid (not revoked) certificate already exists under this name.
        public static let hostExists = Code(.hostExists)
        /// No certificate was issued under this name or serial number.
        public static let hostUnknown = Code(.hostUnknown)
        /// The folder already holds a CA.
        public static let alreadyInitialized = Code(.alreadyInitialized)
        /// The folder holds no CA yet (`micectl pki init`).
        public static let notInitialized = Code(.notInitialized)
        /// The peer's or this host's own certificate is on the revocation list.
        public static let certificateRevoked = Code(.certificateRevoked)
        /// TLS settings that cannot work together (e.g. no certificate name).
        public static let badSettings = Code(.badSettings)
        /// NIOSSL refused the certificate, key or configuration.
        public static let contextFailed = Code(.contextFailed)

        public var description: String {
            switch base {
            case .fileMissing: return "file missing"
            case .fileUnreadable: return "file unreadable"
            case .fileUnwritable: return "cannot write"
            case .badCertificate: return "bad certificate"
            case .badKey: return "bad private key"
            case .keyPermissions: return "private key readable by others"
            case .badRevocationList: return "bad revocation list"
            case .badName: return "bad name"
            case .hostExists: return "certificate exists"
            case .hostUnknown: return "unknown certificate"
            case .alreadyInitialized: return "PKI already initialized"
            case .notInitialized: return "PKI not initialized"
            case .certificateRevoked: return "certificate revoked"
            case .badSettings: return "bad TLS settings"
            case .contextFailed: return "TLS context failed"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Human-readable detail.
    public var detail: String
    /// The file concerned, when there is one.
    public var path: String?
    /// The `errno` of the failed system call, when there was one.
    public var errno: Int32?

    public init(_ code: Code, _ detail: String, path: String? = nil, errno: Int32? = nil) {
        self.code = code
        self.detail = detail
        self.path = path
        self.errno = errno
    }

    public var description: String {
        var text = "\(code): \(detail)"
        if let path { text += " (\(path))" }
        if let errno { text += " [errno \(errno)]" }
        return text
    }
}
