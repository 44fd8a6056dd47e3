// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

extension PluginManifest {
    /// The manifest as JSON with every default filled in, in the schema of docs/plugin-manifest.md,
    /// plus `directory` and `file` (absolute paths). `micectl plugins list --json` prints this.
    ///
    /// Absent optional values (`author`, `sandbox.user`, unset limits) are left out.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(name),
            "kind": .string(kind.rawValue),
            "version": .string(version),
            "description": .string(description),
            "protocol": [
                "versions": .array(self.protocol.versions.map { .int(Int64($0)) }),
                "mode": .string(self.protocol.mode.rawValue),
                "maxFrameBytes": .int(Int64(self.protocol.maxFrameBytes)),
                "maxInFlight": .int(Int64(self.protocol.maxInFlight)),
            ],
            "exec": .array(exec.map { .string($0) }),
            "options": .object(options.mapValues(\.jsonValue)),
            "timeouts": [
                "startSeconds": Self.number(timeouts.startSeconds),
                "requestSeconds": Self.number(timeouts.requestSeconds),
                "shutdownSeconds": Self.number(timeouts.shutdownSeconds),
                "heartbeatSeconds": Self.number(timeouts.heartbeatSeconds),
            ],
            "restart": [
                "policy": .string(restart.policy.rawValue),
                "initialDelaySeconds": Self.number(restart.initialDelaySeconds),
                "maxDelaySeconds": Self.number(restart.maxDelaySeconds),
                "resetAfterSeconds": Self.number(restart.resetAfterSeconds),
                "maxRestarts": .int(Int64(restart.maxRestarts)),
                "windowSeconds": Self.number(restart.windowSeconds),
            ],
            "overflow": [
                "policy": .string(overflow.policy.rawValue),
                "queueLength": .int(Int64(overflow.queueLength)),
            ],
            "sandbox": sandbox.jsonValue,
            "legacy": .object([
                "names": .array(legacy.names.map { .string($0) }),
                "config": .object(
                    legacy.config.mapValues { .string($0) }.merging(legacy.ignoredConfig.map { ($0, .null) }) { a, _ in
                        a
                    }),
            ]),
            "arguments": .array(arguments.map(\.jsonValue)),
            "directory": .string(directory),
            "file": .string(file),
        ]
        if let author { object["author"] = .string(author) }
        if let license { object["license"] = .string(license) }
        return .object(object)
    }

    /// Seconds as JSON: an integer when whole, so `10` prints as `10`, not `10.0`.
    private static func number(_ value: Double) -> JSONValue {
        if value.rounded() == value, abs(value) < 1e15 { return .int(Int64(value)) }
        return .double(value)
    }
}

extension OptionSpec {
    /// The option as it is written in a manifest.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = ["type": .string(type.rawValue), "required": .bool(required)]
        if let defaultValue { object["default"] = defaultValue }
        if let description { object["description"] = .string(description) }
        return .object(object)
    }
}

extension Sandbox {
    /// The sandbox as it is written in a manifest; unset values are left out.
    public var jsonValue: JSONValue {
        var limitsObject: [String: JSONValue] = [:]
        let pairs: [(String, Int?)] = [
            ("cpuSeconds", limits.cpuSeconds), ("memoryBytes", limits.memoryBytes), ("openFiles", limits.openFiles),
            ("processes", limits.processes), ("fileSizeBytes", limits.fileSizeBytes),
        ]
        for (key, value) in pairs {
            if let value { limitsObject[key] = .int(Int64(value)) }
        }
        var object: [String: JSONValue] = [
            "limits": .object(limitsObject),
            "writablePaths": .array(writablePaths.map { .string($0) }),
            "network": .bool(network),
            "environment": .array(environment.map { .string($0) }),
            "programs": .array(programs.map { .string($0) }),
            "netlink": .bool(netlink),
            "capabilities": .array(capabilities.map { .string($0) }),
        ]
        if let user { object["user"] = .string(user) }
        if let group { object["group"] = .string(group) }
        return .object(object)
    }
}

extension ReactionArgumentSpec {
    /// The argument as it is written in a manifest.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(name), "type": .string(type.rawValue), "required": .bool(isRequired),
        ]
        if let minimum { object["minimum"] = .int(Int64(minimum)) }
        if let maximum { object["maximum"] = .int(Int64(maximum)) }
        if !values.isEmpty { object["values"] = .array(values.map { .string($0) }) }
        return .object(object)
    }
}
