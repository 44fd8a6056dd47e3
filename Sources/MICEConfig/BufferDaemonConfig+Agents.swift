// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

extension BufferDaemonConfig {
    /// The optional `[AGENTS]` section: AGENT names reaction agents (plugin names or original
    /// names such as `rid_3_save_to_file`), AGENT_FILE their configuration files (parallel list;
    /// may be left out when no agent has one).
    static func agents(_ values: ConfigValues) throws(ConfigError) -> [ModuleReference] {
        let names = values.list("AGENT", in: "AGENTS")
        let files = values.list("AGENT_FILE", in: "AGENTS")
        guard files.isEmpty || files.count == names.count else {
            throw ConfigError(
                .listLengthMismatch, file: values.file, line: values.line(of: "AGENT_FILE", in: "AGENTS"),
                section: "AGENTS", key: "AGENT_FILE", "\(files.count) files for \(names.count) agents (AGENT)")
        }
        var agents: [ModuleReference] = []
        for (index, name) in names.enumerated() {
            guard !name.text.isEmpty else {
                throw values.invalid("AGENT", in: "AGENTS", line: name.line, "empty agent name")
            }
            let file = files.isEmpty || files[index].text.isEmpty ? nil : files[index].text
            agents.append(ModuleReference(name: name.text, configFile: file))
        }
        return agents
    }
}
