// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import NIOCore
import NIOPosix

/// Runs async work from synchronous code that owns its thread, such as a module's frame loop
/// (MICEPluginKit runs modules on the main thread, outside Swift's cooperative pool).
///
/// The work runs as a task; the calling thread waits on an event-loop future (NIO's own blocking
/// wait). Never call this from async code: it would block a thread of the cooperative pool.
public enum BlockingTask {
    /// Runs `body` and waits for its result on the calling thread.
    @available(*, noasync, message: "await the work instead")
    @discardableResult
    public static func run<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) throws -> Value {
        let promise = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Value.self)
        promise.completeWithTask(body)
        return try promise.futureResult.wait()
    }
}
