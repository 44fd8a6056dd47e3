// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginManifest
import MICEWire

extension PluginSupervisor {
    /// Calls the supervised module with `batch`, riding out restarts: when the session dies
    /// before every call was answered, the batch is sent again on the next connection, up to
    /// `attempts` times. Calls answered with ERROR are failures in their slot, not retried here.
    ///
    /// A module that crashed on a record sees that record again on the next attempt, so a
    /// "poison" record can end in a crash loop; the supervisor's crash-loop detection then fails
    /// the module and this throws.
    /// - Throws: ``PluginError`` when no connection comes up within `timeout` or every attempt
    ///   ended with the session.
    public func callResults(
        batch: [ModuleCall],
        attempts: Int = 3,
        timeout: Double = 30
    ) async throws -> [Result<ModuleReply, PluginError>] {
        var lastError: (any Error)?
        for _ in 0..<max(attempts, 1) {
            let connection = try await connection(timeout: timeout)
            do {
                return try await connection.callResults(batch: batch)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? PluginError(.notRunning, plugin: manifest.name, "no attempt made")
    }

    /// Calls the supervised module once per payload and returns only the return values, riding
    /// out restarts as ``callResults(batch:attempts:timeout:)`` does: the fast path for modules
    /// whose REPLY data is not used (postprocessing), no reply data is copied.
    /// - Parameters:
    ///   - payloads: the data argument of each call.
    ///   - errorValue: the return value reported for a call the module answered with ERROR.
    /// - Throws: ``PluginError`` when no connection comes up within `timeout` or every attempt
    ///   ended with the session.
    public func callReturnValues(
        payloads: [[UInt8]],
        errorValue: Int32,
        attempts: Int = 3,
        timeout: Double = 30
    ) async throws -> [Int32] {
        var lastError: (any Error)?
        for _ in 0..<max(attempts, 1) {
            let connection = try await connection(timeout: timeout)
            do {
                return try await connection.callReturnValues(payloads: payloads, errorValue: errorValue)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? PluginError(.notRunning, plugin: manifest.name, "no attempt made")
    }
}
