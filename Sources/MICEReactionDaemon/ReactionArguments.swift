// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginManifest
import MICERecords

/// A request's `arg_fmt_string` split into tokens and checked against the module's argument
/// schema (manifest `arguments`), before anything is started.
///
/// Tokens are separated by single or repeated spaces; only printable ASCII (0x21–0x7E) may
/// appear in a token. There is no quoting and no expansion: the tokens are data, never a
/// command line. `num_of_args` must be 0, 1 (what the original clients send) or the number of
/// tokens.
public struct ReactionArguments: Hashable, Sendable {
    /// Why a request's arguments were refused, with the RetVal code it earns.
    public struct Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        /// `RID_NARGS` or `RID_ERROR`.
        public var code: Int32
        /// What is wrong.
        public var reason: String
        public var description: String { reason }
    }

    /// The tokens.
    public var tokens: [String]
    /// The normalised argument string (tokens joined by one space): what the module receives.
    public var text: String { tokens.joined(separator: " ") }

    /// Splits and checks an argument string.
    /// - Parameters:
    ///   - bytes: `arg_fmt_string` up to its first NUL.
    ///   - declaredCount: `num_of_args`.
    ///   - specs: The module's argument schema.
    /// - Throws: ``Refusal``.
    public init(bytes: [UInt8], declaredCount: UInt32, specs: [ReactionArgumentSpec]) throws(Refusal) {
        guard bytes.count <= ExecMessage.MAX_ARGSTRG_SIZE else {
            throw Refusal(code: ReactionMessage.RID_ERROR, reason: "arguments longer than 1024 bytes")
        }
        guard bytes.allSatisfy({ $0 == 0x20 || (0x21...0x7E).contains($0) }) else {
            throw Refusal(code: ReactionMessage.RID_ERROR, reason: "arguments hold a byte that is not printable ASCII")
        }
        tokens = bytes.split(separator: 0x20).map { String(decoding: $0, as: UTF8.self) }
        guard declaredCount <= 1 || Int(declaredCount) == tokens.count else {
            throw Refusal(
                code: ReactionMessage.RID_NARGS, reason: "num_of_args \(declaredCount) but \(tokens.count) tokens")
        }
        let required = specs.filter(\.isRequired).count
        guard tokens.count >= required, tokens.count <= specs.count else {
            throw Refusal(
                code: ReactionMessage.RID_NARGS,
                reason: "\(tokens.count) arguments; the module takes \(required)–\(specs.count)")
        }
        for (token, spec) in zip(tokens, specs) {
            if let problem = spec.problem(with: token) {
                throw Refusal(code: ReactionMessage.RID_ERROR, reason: problem)
            }
        }
    }
}
