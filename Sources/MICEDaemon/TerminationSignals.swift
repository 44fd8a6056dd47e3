// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM, SIGINT and SIGHUP as an async stream, for a daemon's clean stop.
///
/// ``stream()`` sets the three signals to be ignored by default action and delivers each arrival as
/// its number; SIGPIPE is ignored too (a closed socket is an error return, not a death).
public enum TerminationSignals {
    /// The signals handled.
    public static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// A stream of the signal numbers received, from now on.
    public static func stream() -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(8))
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "mice.signals")
        var sources: [any DispatchSourceSignal] = []
        for number in handled {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        let held = SourceHolder(sources)
        continuation.onTermination = { _ in held.cancel() }
        return stream
    }
}

/// Keeps the dispatch sources alive as long as the stream is.
private final class SourceHolder: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(_ sources: [any DispatchSourceSignal]) {
        self.sources = sources
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
