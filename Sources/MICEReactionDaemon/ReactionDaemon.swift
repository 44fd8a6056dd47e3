// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import Logging
import MICECrypto
import MICEDaemon
import MICEPluginManifest
import MICERecords
import MICETLS
import NIOCore

/// The ReactionDaemon (spec section 7.4, with the bugs of section 11 fixed): listens for
/// `stCipherRctMsg` requests and runs the reaction module of the requested function ID, each
/// call in a fresh sandboxed process (``ReactionExecutor``), answering with the original RetVal
/// codes (``ReactionRequestHandler``). docs/reactiondaemon.md has the protocol, the keys and the
/// threat model.
public final class ReactionDaemon: Sendable {
    /// Start options beyond the configuration file.
    public struct Options: Sendable {
        /// Folder of the `@bin/` plugin executables and `mice-sandbox`.
        public var binDirectory: String
        /// Overrides MODPATH.
        public var pluginsRoot: String?
        /// The command-line opt-in for the unauthenticated modes (as ALLOW_UNAUTHENTICATED).
        public var allowUnauthenticated: Bool
        /// Overrides NETWORK IP.
        public var listenAddress: String?
        /// Overrides NETWORK PORT (0: any free port).
        public var port: Int?
        /// Overrides MISC STATEDIR.
        public var stateDirectory: String?

        /// Creates options.
        public init(
            binDirectory: String, pluginsRoot: String? = nil, allowUnauthenticated: Bool = false,
            listenAddress: String? = nil, port: Int? = nil, stateDirectory: String? = nil
        ) {
            self.binDirectory = binDirectory
            self.pluginsRoot = pluginsRoot
            self.allowUnauthenticated = allowUnauthenticated
            self.listenAddress = listenAddress
            self.port = port
            self.stateDirectory = stateDirectory
        }
    }

    /// The request handler (its statistics).
    public let handler: ReactionRequestHandler
    /// The listener.
    public let listener: ReactionListener
    /// The reactions in force.
    public let active: ActiveReactions
    /// The resolved function-ID table.
    public let table: [ReactionTableEntry]

    private init(
        handler: ReactionRequestHandler, listener: ReactionListener, active: ActiveReactions,
        table: [ReactionTableEntry]
    ) {
        self.handler = handler
        self.listener = listener
        self.active = active
        self.table = table
    }

    /// Checks the configuration, resolves the table and binds the listener.
    /// - Throws: ``ReactionDaemonError`` (unauthenticated mode without opt-in, TLS, a bad entry,
    ///   a missing sandbox helper, the state file), ``DaemonError`` for the plugins, NIO errors for
    ///   the bind.
    public static func start(config: ReactionDaemonConfig, options: Options, logger: Logger) async throws
        -> ReactionDaemon
    {
        var setup: ReactionListener.PipelineSetup?
        switch config.authentication {
        case .tls:
            let identity: TLSIdentity
            do {
                identity = try TLSIdentity.load(
                    TLSSettings(
                        pkiDirectory: config.tlsPKIDirectory, certificateName: config.tlsCertificateName ?? ""))
            } catch {
                throw ReactionDaemonError(.tls, "AUTH = tls: \(error)")
            }
            let tlsLogger = logger
            setup = { channel in
                try identity.addHandler(
                    to: channel.pipeline.syncOperations, role: .server, eventLoop: channel.eventLoop, logger: tlsLogger)
            }
            let name = config.tlsCertificateName ?? ""
            logger.info(
                "AUTH = tls: clients need a certificate of the CA in \(config.tlsPKIDirectory) (this host: \(name))")
        case .twofish, .plaintext:
            guard config.allowUnauthenticated || options.allowUnauthenticated else {
                throw ReactionDaemonError(
                    .unauthenticatedRefused,
                    "AUTH = \(config.authentication.rawValue) does not authenticate clients (spec section 11); "
                        + "set ALLOW_UNAUTHENTICATED = yes or pass --allow-unauthenticated to run it anyway")
            }
            let why =
                config.authentication == .plaintext
                ? "plaintext: anyone who reaches the port can request the configured reactions"
                : "legacy Twofish: raw-password key, malleable CFB-8, 16-bit unkeyed checksum"
            logger.warning(
                "AUTH = \(config.authentication.rawValue): requests are NOT authenticated by a modern mechanism (\(why))"
            )
        }
        let executor = ReactionExecutor(
            binDirectory: options.binDirectory, stateDirectory: options.stateDirectory ?? config.stateDirectory,
            logger: logger)
        guard access(executor.sandboxPath, X_OK) == 0 else {
            throw ReactionDaemonError(.sandboxMissing, "\(executor.sandboxPath) is not an executable file")
        }
        let resolver = try ModuleResolver(pluginsRoot: options.pluginsRoot ?? config.modulePath, logger: logger)
        let table = try ReactionTableEntry.resolve(config: config, resolver: resolver)
        let stateDirectory = options.stateDirectory ?? config.stateDirectory
        do {
            try FileManager.default.createDirectory(
                atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ReactionDaemonError(.stateFile, "\(stateDirectory): \(error)")
        }
        let active = try ActiveReactions(stateDirectory: stateDirectory)
        let cipher: LegacyTwofish? = try config.password.flatMap { $0.isEmpty ? nil : try LegacyTwofish(password: $0) }
        let handler = ReactionRequestHandler(
            authentication: config.authentication, cipher: cipher, architecture: config.architecture,
            replayWindow: config.replayWindowSeconds, table: table, executor: executor, active: active,
            maxCalls: config.maxCalls, logger: logger)
        let listener = try await ReactionListener(
            host: options.listenAddress ?? config.listenAddress, port: options.port ?? config.port,
            backlog: config.backlog, recordSize: config.architecture.envelopeSize, maxClients: config.maxClients,
            handler: handler, idleSeconds: config.idleTimeoutSeconds, setup: setup, logger: logger)
        logger.info(
            "listening on \(options.listenAddress ?? config.listenAddress):\(listener.port ?? 0)",
            metadata: [
                "reaction.entries":
                    "\(table.map { "0x\(String($0.entry.functionID, radix: 16))=\($0.manifest.name)" })",
                "reaction.arch": "\(config.architecture.rawValue)",
            ])
        return ReactionDaemon(handler: handler, listener: listener, active: active, table: table)
    }

    /// Serves until ``shutdown()``.
    public func run() async throws {
        try await listener.run()
    }

    /// Stops accepting; ``run()`` returns when the open connections end.
    public func shutdown() {
        listener.close()
    }
}
