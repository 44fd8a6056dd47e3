// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEAnalysis
import MICECrypto
import MICEPluginKit
import MICETLS
import MICETransport

/// The module's options, checked: the ruleset, the two peers, their keys and the spool.
struct AARegexSettings {
    /// What the agent peer receives.
    enum AgentFormat: String {
        /// The LogFormat record as CipherMsg (for a mice-dec-logformat entry).
        case logformat
        /// The original: the raw line in a CipherIdmefMsg.
        case idmef
    }

    /// The rule keys of the original configuration, in the original order, with their section.
    static let originalRuleKeys: [(section: String, key: String)] = [
        ("AUTH", "AuS_Rule"), ("AUTH", "AuF_Rule"), ("ROOT", "RoW_Rule"), ("ROOT", "RoO_Rule"), ("ROOT", "RoR_Rule"),
        ("ROOT", "RoS_Rule"), ("ROOT", "RoE_Rule"), ("READ", "ReS_Rule"), ("READ", "ReF_Rule"),
        ("WRITE", "WrS_Rule"), ("WRITE", "WrF_Rule"), ("MONITORING", "Mo_UID"), ("MONITORING", "Mo_GID"),
        ("APPS", "Ap_Name"), ("EXPLOIT", "Ex_Rule"), ("FIREWALL", "FwD_Rule"), ("FIREWALL", "FwR_Rule"),
        ("FIREWALL", "FwA_Rule"), ("FIREWALL", "FwI_Rule"),
    ]

    /// The SendTo key of each original section.
    static let originalSendToKeys: [(section: String, key: String)] = [
        ("AUTH", "AuSendTo"), ("ROOT", "RoSendTo"), ("READ", "ReSendTo"), ("WRITE", "WrSendTo"),
        ("MONITORING", "MoSendTo"), ("APPS", "ApSendTo"), ("EXPLOIT", "ExSendTo"), ("FIREWALL", "FwSendTo"),
        ("DEFAULT", "DeSendTo"),
    ]

    var ruleset: Ruleset
    var management: LinkEndpoint
    var agent: LinkEndpoint?
    var managementCipher: LegacyTwofish?
    var agentCipher: LegacyTwofish?
    var agentFormat: AgentFormat
    var mode: LinkMode
    var link: String
    var spoolDirectory: String
    var spoolBytes: Int
    var analyzerID: String
    var firstAlertID: Int64
    var alertIDFile: String?
    var sendEvents: Bool
    var useHyperscan: Bool
    /// Mutual TLS on both links (`tls`, `pki`, `tlsName`); nil: plaintext.
    var tls: TLSIdentity?
    /// This host's certificate name with TLS.
    var tlsName: String? { tls?.settings.certificateName }
    /// The warning logged at start for plaintext links (nil with TLS), and whether the options
    /// asked for plaintext (`insecure: true`) or are an original configuration (logged as an error).
    var insecureWarning: (message: String, acknowledged: Bool)?

    init(context: PluginContext) throws {
        ruleset = try Self.loadRuleset(context)
        guard let management = try context.string("management") else {
            throw PluginConfigError(key: "management", "missing: host:port of the management host")
        }
        self.management = try Self.endpoint(management, key: "management")
        agent = try context.string("agent").map { try Self.endpoint($0, key: "agent") }
        let encryption = try context.bool("encryption", default: true)
        managementCipher = encryption ? try Self.cipher(context, key: "key") : nil
        agentCipher = encryption ? try Self.cipher(context, key: "agentKey") : nil
        let format = try context.string("agentFormat", default: "logformat") ?? "logformat"
        guard let agentFormat = AgentFormat(rawValue: format) else {
            throw PluginConfigError(key: "agentFormat", "\"\(format)\" is not logformat or idmef")
        }
        self.agentFormat = agentFormat
        let modeName = try context.string("mode", default: "acked") ?? "acked"
        guard let mode = LinkMode(rawValue: modeName) else {
            throw PluginConfigError(key: "mode", "\"\(modeName)\" is not acked or legacy")
        }
        self.mode = mode
        link = try context.string("link", default: "alerts") ?? "alerts"
        spoolDirectory = try Self.statePath(context, key: "spoolDirectory", default: "spool")
        let megabytes = try context.integer("spoolMegabytes", default: 256)
        guard (1...1_048_576).contains(megabytes) else {
            throw PluginConfigError(key: "spoolMegabytes", "\(megabytes) is out of range (1…1048576)")
        }
        spoolBytes = Int(megabytes) << 20
        analyzerID = try context.string("analyzerID", default: "MICE-RegEx") ?? "MICE-RegEx"
        firstAlertID = try context.integer("alertID", default: 1)
        let idFile = try context.string("alertIDFile", default: "alertid") ?? ""
        alertIDFile = idFile.isEmpty ? nil : try Self.statePath(context, key: "alertIDFile", default: idFile)
        sendEvents = try context.bool("events", default: false)
        useHyperscan = try context.bool("hyperscan", default: true)
        (tls, insecureWarning) = try Self.security(context, twofish: managementCipher != nil)
    }

    /// `tls`, `pki`, `tlsName`, `insecure`, as the daemons' `[TLS]` section: `tls: true` loads this
    /// host's certificate; `tls: false` needs `insecure: true`; neither (an original configuration)
    /// is plaintext with a loud warning.
    static func security(
        _ context: PluginContext, twofish: Bool
    ) throws -> (TLSIdentity?, (message: String, acknowledged: Bool)?) {
        let insecure = try context.bool("insecure", default: false)
        let records =
            twofish
            ? "alerts are only Twofish-encrypted with a static shared key (no authentication, replayable)"
            : "alerts travel in plaintext (readable, forgeable, replayable)"
        switch context.config["tls"] {
        case .bool(true)?:
            guard !insecure else { throw PluginConfigError(key: "insecure", "insecure: true contradicts tls: true") }
            guard let name = try context.string("tlsName"), !name.isEmpty else {
                throw PluginConfigError(key: "tlsName", "tls: true needs tlsName, this host's certificate name")
            }
            let directory = try context.string("pki", default: "/etc/M-ICE/pki") ?? "/etc/M-ICE/pki"
            do {
                return (try TLSIdentity.load(TLSSettings(pkiDirectory: directory, certificateName: name)), nil)
            } catch {
                throw PluginConfigError(key: "tlsName", "\(error)")
            }
        case .bool(false)?:
            guard insecure else {
                throw PluginConfigError(
                    key: "insecure", "tls: false sends the links in plaintext: set insecure: true to accept that")
            }
            return (nil, ("INSECURE links (tls: false, insecure: true): \(records); see docs/tls.md", true))
        case nil, .null?:
            if insecure { return (nil, ("INSECURE links (insecure: true): \(records); see docs/tls.md", true)) }
            let message =
                "INSECURE links: no tls option (an original configuration), so the links to the management and "
                + "agent hosts run without authentication: \(records). Set tls: true with tlsName and pki "
                + "(micectl pki, docs/tls.md), or tls: false and insecure: true to accept this"
            return (nil, (message, false))
        case let other?:
            throw PluginConfigError(key: "tls", "expected a Boolean, found \(other.typeName)")
        }
    }

    /// `rules` (any format), or the original rule keys turned back into a mice_mod_pop_aa_regex.conf.
    static func loadRuleset(_ context: PluginContext) throws -> Ruleset {
        var text = ""
        var hasOriginal = false
        var sections: [String: [String]] = [:]
        for (section, key) in originalRuleKeys {
            for pattern in try context.strings(key) {
                sections[section, default: []].append("\(key) = \(try quoted(pattern, key: key))")
                hasOriginal = true
            }
        }
        for (section, key) in originalSendToKeys {
            if let value = try context.string(key) {
                sections[section, default: []].append("\(key) = \(try quoted(value, key: key))")
                hasOriginal = true
            }
        }
        if let path = try context.string("rules") {
            guard !hasOriginal else {
                throw PluginConfigError(key: "rules", "give either rules or the original rule keys, not both")
            }
            do {
                return try RulesetLoader.load(path: path)
            } catch {
                throw PluginConfigError(key: "rules", error.description)
            }
        }
        guard hasOriginal else {
            throw PluginConfigError(key: "rules", "missing: a ruleset file or directory, or the original rule keys")
        }
        for section in ["AUTH", "ROOT", "READ", "WRITE", "MONITORING", "APPS", "EXPLOIT", "FIREWALL", "DEFAULT"] {
            guard let lines = sections[section] else { continue }
            text += "[\(section)]\n" + lines.joined(separator: "\n") + "\n"
        }
        do {
            return try OriginalRulesetLoader.parse(text, file: "mice_mod_pop_aa_regex configuration")
        } catch {
            throw PluginConfigError(key: "rules", error.description)
        }
    }

    /// A value in the quotes of the original syntax (which has no escapes).
    static func quoted(_ value: String, key: String) throws -> String {
        if !value.contains("\"") { return "\"\(value)\"" }
        if !value.contains("'") { return "'\(value)'" }
        throw PluginConfigError(key: key, "a value cannot hold both kinds of quotes")
    }

    /// `host:port`, `[v6]:port`.
    static func endpoint(_ text: String, key: String) throws -> LinkEndpoint {
        do {
            return try LinkEndpoint.parse(hostPort: text)
        } catch {
            throw PluginConfigError(key: key, (error as? LinkError)?.detail ?? "\(error)")
        }
    }

    static func cipher(_ context: PluginContext, key: String) throws -> LegacyTwofish? {
        guard let password = try context.string(key), !password.isEmpty else { return nil }
        do {
            return try LegacyTwofish(password: password)
        } catch {
            throw PluginConfigError(key: key, "\(error)")
        }
    }

    static func statePath(_ context: PluginContext, key: String, default defaultValue: String) throws -> String {
        let path = try context.string(key, default: defaultValue) ?? defaultValue
        if path.hasPrefix("/") { return path }
        guard let state = context.stateDirectory, !state.isEmpty else {
            throw PluginConfigError(key: key, "relative path \"\(path)\" but no MICE_PLUGIN_STATE_DIR")
        }
        return state + "/" + path
    }
}
