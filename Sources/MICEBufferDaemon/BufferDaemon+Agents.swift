// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging
import MICEConfig
import MICEDaemon
import MICEPluginHost
import MICEPluginManifest

/// The reaction agents of a management host (`[AGENTS]` of `bufferdaemon.conf`): resolved with
/// the modules, started after the privilege drop like them, each under a ``PluginSupervisor``
/// (restarted by its manifest's policy), and stopped after the entries.
struct AgentSet: Sendable {
    let supervisors: [PluginSupervisor]

    /// Resolves every agent (kind `agent`) with its configuration file.
    static func resolve(
        _ agents: [BufferDaemonConfig.ModuleReference], resolver: ModuleResolver
    ) throws(BufferDaemonError) -> [ResolvedModule] {
        var resolved: [ResolvedModule] = []
        for agent in agents {
            do {
                resolved.append(try resolver.resolve(name: agent.name, kind: .agent, configFile: agent.configFile))
            } catch {
                let code: BufferDaemonError.Code
                switch error.code {
                case .wrongKind: code = .wrongModuleKind
                case .moduleConfig: code = .moduleConfiguration
                default: code = .unknownModule
                }
                throw BufferDaemonError(code, file: agent.configFile ?? agent.name, "reaction agent: \(error.message)")
            }
        }
        return resolved
    }

    /// Supervisors for `agents`; each agent's state lives in `STATEDIR/agents/<n>-<name>`.
    init(_ agents: [ResolvedModule], options: BufferDaemonOptions, logger: Logger) {
        supervisors = agents.enumerated().map { offset, agent in
            var agentLogger = logger
            agentLogger[metadataKey: "agent"] = "\(offset + 1)"
            return PluginSupervisor(
                manifest: agent.manifest,
                options: PluginSpawnOptions(
                    binDirectory: options.binDirectory,
                    stateDirectory: options.stateDirectory + "/agents/\(offset + 1)-" + agent.manifest.name,
                    configuration: agent.configuration, layout: options.layout),
                logger: agentLogger)
        }
    }

    /// Runs every agent until ``stop()``.
    func run() async {
        await withDiscardingTaskGroup { group in
            for supervisor in supervisors { group.addTask { await supervisor.run() } }
        }
    }

    func stop() {
        for supervisor in supervisors { supervisor.stop() }
    }
}
