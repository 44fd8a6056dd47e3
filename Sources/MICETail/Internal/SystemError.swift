// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// C library helpers shared by the tailer's files.
enum SystemError {
    /// strerror text for an errno value.
    static func message(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// The current errno.
    static var current: Int32 { errno }
}
