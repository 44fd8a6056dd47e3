// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM and SIGINT as an async stream (their default action is switched off).
public enum SignalStream {
    /// Installs the handlers and yields the signal numbers as they arrive.
    public static func termination() -> AsyncStream<Int32> {
        AsyncStream { continuation in
            var sources: [any DispatchSourceSignal] = []
            for number in [SIGTERM, SIGINT] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                sources.append(source)
            }
            let box = SourceBox(sources)
            continuation.onTermination = { _ in box.cancel() }
        }
    }

    private final class SourceBox: Sendable {
        private let sources: Mutex<[any DispatchSourceSignal]>

        init(_ sources: sending [any DispatchSourceSignal]) {
            self.sources = Mutex(sources)
        }

        func cancel() {
            sources.withLock { sources in
                for source in sources { source.cancel() }
            }
        }
    }
}
