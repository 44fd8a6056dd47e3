// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Synchronization

/// The PKI's `revoked.json`: the serial numbers of revoked host certificates.
///
/// The file is `{"version": 1, "revoked": [{"serial": "<hex>", "name": "<host>", "revokedAt": <unix time>}]}`.
/// A listener checks each peer against it when the TLS handshake completes (see ``TLSIdentity``);
/// the file is read again whenever its modification time or size changes, so a revocation copied to a
/// host takes effect for the next connection without a restart. A missing file is an empty list. A
/// file that cannot be read or parsed after a good one was loaded keeps the last good list (and
/// ``lastError`` says why); at ``init(path:)`` it is an error.
public final class RevocationList: Sendable {
    /// One revoked certificate.
    public struct Entry: Codable, Hashable, Sendable {
        /// Serial number, lower-case hex without leading zero bytes (``PKIHost/serialText(_:)``).
        public var serial: String
        /// The host name it was issued to.
        public var name: String
        /// When it was revoked, seconds since 1970.
        public var revokedAt: Int64

        public init(serial: String, name: String, revokedAt: Int64) {
            self.serial = serial
            self.name = name
            self.revokedAt = revokedAt
        }
    }

    /// The file's content.
    struct Document: Codable {
        var version: Int
        var revoked: [Entry]
    }

    private struct State {
        var stamp: PKIFile.Status?
        var serials: Set<String>
        var lastError: TLSError?
    }

    /// The file read.
    public let path: String
    private let state: Mutex<State>

    /// Loads the list.
    /// - Throws: ``TLSError`` (``TLSError/Code/badRevocationList``, ``TLSError/Code/fileUnreadable``).
    public init(path: String) throws(TLSError) {
        self.path = path
        let stamp = try PKIFile.status(path)
        let serials = try stamp == nil ? [] : Self.read(path)
        state = Mutex(State(stamp: stamp, serials: serials, lastError: nil))
    }

    /// Whether the certificate with this serial (``PKIHost/serialText(_:)`` form) is revoked;
    /// rereads the file first when it changed.
    public func isRevoked(serial: String) -> Bool {
        refresh()
        return state.withLock { $0.serials.contains(serial) }
    }

    /// The serials on the list now.
    public var serials: Set<String> {
        refresh()
        return state.withLock { $0.serials }
    }

    /// Why the last reread failed (the previous list stays in force), nil after a good read.
    public var lastError: TLSError? { state.withLock { $0.lastError } }

    private func refresh() {
        let stamp: PKIFile.Status?
        do {
            stamp = try PKIFile.status(path)
        } catch {
            state.withLock { $0.lastError = error }
            return
        }
        guard state.withLock({ $0.stamp }) != stamp else { return }
        do {
            let serials = try stamp == nil ? [] : Self.read(path)
            state.withLock { $0 = State(stamp: stamp, serials: serials, lastError: nil) }
        } catch {
            state.withLock { $0.lastError = error }
        }
    }

    static func read(_ path: String) throws(TLSError) -> Set<String> {
        Set(try load(path).revoked.map { $0.serial.lowercased() })
    }

    static func load(_ path: String) throws(TLSError) -> Document {
        let bytes = try PKIFile.read(path)
        do {
            let document = try JSONDecoder().decode(Document.self, from: Data(bytes))
            guard document.version == 1 else {
                throw TLSError(.badRevocationList, "version \(document.version) is not 1", path: path)
            }
            return document
        } catch let error as TLSError {
            throw error
        } catch {
            throw TLSError(.badRevocationList, "not a revocation list: \(error)", path: path)
        }
    }

    static func encode(_ document: Document) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = (try? encoder.encode(document)) ?? Data("{\"revoked\":[],\"version\":1}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
