// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEWire

/// How a module process ended.
public enum ExitStatus: Hashable, Sendable, CustomStringConvertible {
    /// The process called `exit` with this code.
    case exited(Int32)
    /// A signal killed the process.
    case signaled(Int32)

    /// Decodes a `waitpid` status word.
    init(waitStatus status: Int32) {
        if status & 0x7f == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(status & 0x7f)
        }
    }

    /// Whether the process exited with code 0.
    public var isSuccess: Bool { self == .exited(0) }

    /// Whether the restart policy may restart a module that ended like this: exit codes 64 (run by
    /// hand) and 78 (configuration unusable) never are (``PluginExitCode/isRestartable(_:)``).
    public var isRestartable: Bool {
        switch self {
        case .exited(let code): return PluginExitCode.isRestartable(code)
        case .signaled: return true
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let signal): return "killed by signal \(signal)"
        }
    }
}
