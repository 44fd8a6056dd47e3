// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore
import MICEPluginKit
import MICEWire

#if canImport(Glibc)
import Glibc
#endif

/// A module for tests and benchmarks, built on the real SDK.
///
/// Configuration `mode`:
/// - `keep` (default): returns 0 for every call (a filter that keeps everything);
/// - `echo`: returns 0 and echoes the call data back (a pseudonymizer that changes nothing);
/// - `length`: returns the data length;
/// - `fail-config`: rejects its configuration (exit 78);
/// - `throw`: every call fails with a module-specific ERROR 100.
///
/// `delayMilliseconds` (default 0) makes every call take that long: a slow store.
@main
struct TestPlugin: PluginModule {
    static let pluginName = "mice-test-plugin"

    enum Mode: String {
        case keep, echo, length
        case failConfig = "fail-config"
        case `throw`
    }

    let mode: Mode
    let initValue: Int64
    let delay: Int64

    init(context: PluginContext) throws {
        let name = context.config["mode"]?.stringValue ?? "keep"
        guard let mode = Mode(rawValue: name), mode != .failConfig else {
            throw PluginConfigError(key: "mode", "unknown mode \"\(name)\"")
        }
        self.mode = mode
        self.initValue = context.config["init"]?.intValue ?? 0
        self.delay = context.config["delayMilliseconds"]?.intValue ?? 0
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        if delay > 0 { usleep(UInt32(delay * 1000)) }
        switch mode {
        case .keep, .failConfig:
            return 0
        case .echo:
            reply.append(contentsOf: input.data)
            return 0
        case .length:
            return Int32(input.data.count)
        case .throw:
            throw PluginCallError(code: 100, "asked to fail")
        }
    }
}
