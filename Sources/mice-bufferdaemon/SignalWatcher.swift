// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Calls `handler` on SIGTERM and SIGINT (their default action is turned off); SIGHUP is logged
/// by the handler's owner as not supported, as in the original.
final class SignalWatcher {
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable (Int32) -> Void) {
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            if number == SIGHUP {
                source.setEventHandler {}
            } else {
                source.setEventHandler { handler(number) }
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
