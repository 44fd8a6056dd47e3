// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Dispatch
import Logging
import Synchronization

/// A ``LinkClient`` driven from synchronous code (a module's call loop, the NFR engine's packet
/// loop): ``store(_:)`` returns once the records are in the on-disk spool; a background task
/// streams the spool to the peer, reconnecting for ever. Never call it from a concurrency-pool thread.
public final class BlockingSpooledLink: Sendable {
    /// The link.
    public let client: LinkClient
    /// The link's name, for messages.
    public let name: String
    private let logger: Logger
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    /// Opens the spool and starts the sender.
    public init(name: String, logger: Logger, configuration: LinkClient.Configuration) throws {
        self.name = name
        self.logger = logger
        let logged = logger
        client = try Self.wait { try await LinkClient(configuration: configuration, logger: logged) }.get()
        let client = self.client
        task.withLock { $0 = Task { await client.run() } }
    }

    /// Stores `records` in the spool (waits while the spool is full); returns how many were stored.
    public func store(_ records: [[UInt8]]) throws -> Int {
        if records.isEmpty { return 0 }
        let client = self.client
        return try Self.wait { try await client.send(contentsOf: records) }.get().count
    }

    /// Gives the sender up to `seconds` to deliver what is spooled, then stops it; the rest stays
    /// in the spool for the next start.
    public func stop(seconds: Int) {
        let client = self.client
        if case .failure(let error) = Self.wait({ try await client.waitUntilDelivered(timeout: .seconds(seconds)) }) {
            logger.warning("\(name): \(error); the rest is sent after the next start")
        }
        let running = task.withLock { $0 }
        running?.cancel()
        let done = DispatchSemaphore(value: 0)
        Task {
            await running?.value
            done.signal()
        }
        done.wait()
        client.close()
    }

    /// Runs `body` on the concurrency pool and blocks the calling (non-pool) thread until it ends.
    private static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> Result<T, any Error> {
        let done = DispatchSemaphore(value: 0)
        let slot = ResultSlot<T>()
        Task {
            let result: Result<T, any Error>
            do {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            slot.result.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return slot.result.withLock { $0 } ?? .failure(CancellationError())
    }
}

/// Where a task leaves its result for the thread waiting on it.
private final class ResultSlot<T: Sendable>: Sendable {
    let result = Mutex<Result<T, any Error>?>(nil)
}
