// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// HELLO: the module's first frame (module to host).
public struct HelloMessage: Codable, Hashable, Sendable {
    /// Always ``PluginProtocol/magic``.
    public var `protocol`: String
    /// The version the module chose from ``PluginProtocol/versionsVariable``.
    public var version: Int
    /// The module's name.
    public var name: String
    /// The module's own version string.
    public var pluginVersion: String?
    /// The module's kind, if it states one; must match the manifest.
    public var kind: ModuleKind?
    /// The largest payload the module accepts.
    public var maxFrameBytes: Int?
    /// Optional features, informational (`pipelining`, `heartbeat`).
    public var capabilities: [String]?

    public init(
        version: Int,
        name: String,
        pluginVersion: String? = nil,
        kind: ModuleKind? = nil,
        maxFrameBytes: Int? = nil,
        capabilities: [String]? = nil
    ) {
        self.protocol = PluginProtocol.magic
        self.version = version
        self.name = name
        self.pluginVersion = pluginVersion
        self.kind = kind
        self.maxFrameBytes = maxFrameBytes
        self.capabilities = capabilities
    }
}

/// CONFIGURE: the host's answer to HELLO; replaces the original `init(conffile)`.
public struct ConfigureMessage: Codable, Hashable, Sendable {
    /// The protocol version in force for the rest of the session.
    public var version: Int
    /// The payload limit both sides now use (the smaller of the two offers).
    public var maxFrameBytes: Int
    /// The plugin's name from its manifest.
    public var name: String
    /// The plugin's kind from its manifest.
    public var kind: ModuleKind
    /// LogFormat layout of records on this link: `seed` (1688 bytes) or `0.2` (6608 bytes).
    public var layout: String
    /// The module's configuration: the manifest's defaults overlaid with the operator's values.
    public var config: JSONValue
    /// Seconds of idleness after which the host sends PING; 0 = never.
    public var heartbeatSeconds: Double

    public init(
        version: Int,
        maxFrameBytes: Int,
        name: String,
        kind: ModuleKind,
        layout: String,
        config: JSONValue,
        heartbeatSeconds: Double
    ) {
        self.version = version
        self.maxFrameBytes = maxFrameBytes
        self.name = name
        self.kind = kind
        self.layout = layout
        self.config = config
        self.heartbeatSeconds = heartbeatSeconds
    }
}

/// READY: the module accepted its configuration (module to host).
public struct ReadyMessage: Codable, Hashable, Sendable {
    /// What the original `init` returned: the encoded record size for a decoder, the ring-slot
    /// size for a postprocessor, the argument count for a reaction module, 0 otherwise.
    public var `init`: Int64

    public init(init value: Int64 = 0) {
        self.`init` = value
    }
}

/// ERROR: a failed request (id ≠ 0) or a failed session (id 0).
public struct ErrorMessage: Codable, Hashable, Sendable, CustomStringConvertible {
    /// A ``PluginErrorCode`` (1–99) or a module-specific code (100 and up).
    public var code: Int
    /// What went wrong, for the log.
    public var message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "error \(code): \(message)" }
}

/// SHUTDOWN: finish in-flight calls, then exit 0 (host to module).
public struct ShutdownMessage: Codable, Hashable, Sendable {
    /// Why, for the module's log.
    public var reason: String?

    public init(reason: String? = nil) {
        self.reason = reason
    }
}

/// Encoding and decoding of the JSON control payloads.
public enum ControlCoding {
    /// Encodes a control message as compact JSON bytes.
    public static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Control messages are plain data types; encoding them cannot fail.
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    /// Decodes a control payload, naming the frame type in the error.
    public static func decode<T: Decodable>(
        _ type: T.Type,
        from payload: some Collection<UInt8>,
        frame: FrameType
    ) throws(WireError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(payload))
        } catch {
            let text = String(decoding: payload.prefix(200), as: UTF8.self)
            throw WireError(.badPayload, "\(frame) payload is not a valid \(T.self): \(error) (payload: \(text))")
        }
    }

    /// Builds a whole control frame.
    public static func frame(_ type: FrameType, id: UInt64 = 0, _ message: some Encodable) -> Frame {
        Frame(type: type, id: id, payload: encode(message))
    }
}
