// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICEBufferDaemon
import MICECore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Rewrites the stats file every second while the daemon runs, and once more at the end.
final class StatsWriter: Sendable {
    let path: String
    let daemon: BufferDaemon
    let logger: Logger
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(path: String, daemon: BufferDaemon, logger: Logger) {
        self.path = path
        self.daemon = daemon
        self.logger = logger
    }

    func start() {
        task.withLock { task in
            task = Task {
                while !Task.isCancelled {
                    self.write()
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
        write()
    }

    func write() {
        let contents: JSONValue = [
            "pid": .int(Int64(getpid())), "entries": .array(daemon.statistics.map(\.json)),
        ]
        do {
            try AtomicFile.write(try BufferDaemonCommand.encode(contents), to: path, sync: false)
        } catch {
            logger.warning("stats file: \(error)")
        }
    }
}
