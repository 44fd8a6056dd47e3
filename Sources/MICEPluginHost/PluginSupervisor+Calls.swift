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
}
