// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICECore
import Synchronization

/// act-generic's counters, written as JSON to `stats.json` in the state directory every half
/// second while they change (and at shutdown), so an operator or a test can see drops.
final class ActGenericStatistics: Sendable {
    struct Counters: Sendable, Equatable {
        var parsed = 0
        var recovered = 0
        var unparsable = 0
        var rejected = 0
        var stored = 0
        var failedBatches = 0
        var reactions = 0
        var noFifo = 0
    }

    let path: String?
    let database: String?
    private let counters = Mutex(Counters())
    private let running = Atomic<Bool>(true)

    init(path: String?, database: String?) {
        self.path = path
        self.database = database
    }

    func count(_ key: WritableKeyPath<Counters, Int>) { counters.withLock { $0[keyPath: key] += 1 } }

    func count(_ status: IdmefParseResult.Status) {
        switch status {
        case .parsed: count(\.parsed)
        case .recovered: count(\.recovered)
        case .unparsable: count(\.unparsable)
        }
    }

    func add(stored: Int) { counters.withLock { $0.stored += stored } }
    func add(reactions: Int) { counters.withLock { $0.reactions += reactions } }

    func start(writer: FifoWriter) {
        let thread = Thread { [self] in
            var last: JSONValue?
            while running.load(ordering: .acquiring) {
                let current = json(writer: writer)
                if current != last {
                    save(current)
                    last = current
                }
                usleep(500_000)
            }
        }
        thread.name = "mice-act-generic-stats"
        thread.start()
    }

    func stop(writer: FifoWriter) {
        running.store(false, ordering: .releasing)
        save(json(writer: writer))
    }

    func json(writer: FifoWriter) -> JSONValue {
        let counters = counters.withLock { $0 }
        return .object([
            "messages": .object([
                "parsed": .int(Int64(counters.parsed)), "recovered": .int(Int64(counters.recovered)),
                "unparsable": .int(Int64(counters.unparsable)), "rejected": .int(Int64(counters.rejected)),
            ]),
            "alertsStored": .int(Int64(counters.stored)),
            "failedBatches": .int(Int64(counters.failedBatches)),
            "reactionsQueued": .int(Int64(counters.reactions)),
            "reactionsWithoutFifo": .int(Int64(counters.noFifo)),
            "database": database.map(JSONValue.string) ?? .null,
            "fifos": .array(writer.statistics.map(\.jsonObject)),
        ])
    }

    func summary(writer: FifoWriter) -> String {
        let counters = counters.withLock { $0 }
        let fifos = writer.statistics.map { "RID \($0.reactionID): \($0.written) written, \($0.dropped) dropped" }
        return "\(counters.parsed + counters.recovered) messages parsed (\(counters.recovered) recovered), "
            + "\(counters.unparsable) unparsable, \(counters.stored) alerts stored; " + fifos.joined(separator: "; ")
    }

    private func save(_ value: JSONValue) {
        guard let path, let data = try? JSONEncoder().encode(value) else { return }
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else { return }
        _ = rename(temporary, path)
    }
}
