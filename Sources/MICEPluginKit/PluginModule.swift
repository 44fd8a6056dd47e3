// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A module written in Swift: conform, mark the type `@main`, and the SDK does the rest (cookie
/// check, version choice, HELLO, CONFIGURE, READY, the frame loop, PING, SHUTDOWN).
///
/// ```swift
/// @main
/// struct DropIPUp: PluginModule {
///     static let pluginName = "mice-flt-example"
///     init(context: PluginContext) throws {}
///     mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
///         input.data.contains(0x49) ? 1 : 0
///     }
/// }
/// ```
public protocol PluginModule {
    /// The name the module says in HELLO; should equal the manifest's name.
    static var pluginName: String { get }
    /// The module's own version.
    static var pluginVersion: String { get }

    /// Applies CONFIGURE (the original `init`). Throw ``PluginConfigError`` for a bad key.
    init(context: PluginContext) throws

    /// What the original `init` returned (record size for decoders and postprocessors, argument
    /// count for reaction modules, 0 otherwise); sent in READY.
    var initValue: Int64 { get }

    /// One call of the original `func`. Append any returned record to `reply` and return the
    /// original return value. Throw ``PluginCallError`` to answer with an ERROR frame instead.
    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32

    /// SHUTDOWN or end of input (the original `close`).
    mutating func shutdown()
}

extension PluginModule {
    public static var pluginVersion: String { "1.0.0" }
    public var initValue: Int64 { 0 }
    public mutating func shutdown() {}

    /// Entry point for `@main` conformers.
    public static func main() {
        PluginRunner.run(Self.self)
    }
}
