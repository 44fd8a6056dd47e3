// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// One lexical token of N-Code, with its 1-based position.
struct NCodeToken: Sendable {
    enum Kind: Hashable, Sendable {
        case identifier(String)
        case symbol(String)
        case local(String)
        case argument(Int)
        case argumentCount
        case int(Int)
        case host(UInt32)
        case network(UInt32, UInt32)
        case string([UInt8])
        case punct(String)
        case end
    }

    var kind: Kind
    var line: Int
    var column: Int

    /// How the token reads in a message: `';'`, `identifier 'echo'`, `end of file`.
    var described: String {
        switch kind {
        case .identifier(let name): return "'\(name)'"
        case .symbol(let name): return "'_:\(name)'"
        case .local(let name): return "'$\(name)'"
        case .argument(let index): return "'$\(index)'"
        case .argumentCount: return "'$#'"
        case .int(let value): return "'\(value)'"
        case .host(let host): return "'\(NCodeValue.dotted(host))'"
        case .network(let address, let mask): return "'\(NCodeValue.dotted(address)):\(NCodeValue.dotted(mask))'"
        case .string: return "a string"
        case .punct(let text): return "'\(text)'"
        case .end: return "end of file"
        }
    }
}
