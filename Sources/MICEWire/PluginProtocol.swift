// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Constants of the module protocol (docs/plugin-protocol.md).
public enum PluginProtocol {
    /// Protocol versions this build speaks, newest last.
    public static let supportedVersions: [Int] = [1]
    /// The value of HELLO's `protocol` member.
    public static let magic = "mice-plugin"

    /// Environment: a fixed value telling a module that a host started it.
    public static let cookieVariable = "MICE_PLUGIN_COOKIE"
    /// The cookie's value. Not a secret: it only stops a module run by hand from waiting forever.
    public static let cookieValue = "mice-plugin-2c7b1f0e"
    /// Environment: comma-separated protocol versions the host accepts, e.g. `1`.
    public static let versionsVariable = "MICE_PLUGIN_PROTOCOL_VERSIONS"
    /// Environment: the plugin's name from its manifest.
    public static let nameVariable = "MICE_PLUGIN_NAME"
    /// Environment: the plugin's kind from its manifest.
    public static let kindVariable = "MICE_PLUGIN_KIND"
    /// Environment: `frames` or `lines`.
    public static let modeVariable = "MICE_PLUGIN_MODE"
    /// Environment: a directory the plugin may write state into.
    public static let stateDirectoryVariable = "MICE_PLUGIN_STATE_DIR"
    /// Environment: the plugin's own folder (where plugin.json is).
    public static let directoryVariable = "MICE_PLUGIN_DIR"
    /// Environment, lines mode only: the JSON of the configuration (CONFIGURE's `config`).
    public static let configVariable = "MICE_PLUGIN_CONFIG"

    /// Picks the newest version both sides speak, as go-plugin does.
    public static func negotiate(hostVersions: [Int], moduleVersions: [Int]) -> Int? {
        Set(hostVersions).intersection(moduleVersions).max()
    }

    /// Parses the value of ``versionsVariable``; invalid members are skipped.
    public static func parseVersions(_ text: String) -> [Int] {
        text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: " ")) }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var result = self
        while result.first == set { result = result.dropFirst() }
        while result.last == set { result = result.dropLast() }
        return result
    }
}

/// Exit codes of a module process (docs/plugin-protocol.md, "Exit codes").
public enum PluginExitCode {
    /// Clean exit after SHUTDOWN or end of stdin.
    public static let ok: Int32 = 0
    /// Unspecified failure; the host restarts the module according to its policy.
    public static let failure: Int32 = 1
    /// Started without the cookie (run by hand); never restarted.
    public static let notStartedByHost: Int32 = 64
    /// The host spoke the protocol wrongly (EX_PROTOCOL).
    public static let protocolError: Int32 = 76
    /// The configuration is unusable (EX_CONFIG); never restarted, like telegraf's stop_on_error.
    public static let configError: Int32 = 78

    /// Whether the supervisor should restart a module that exited with `code`.
    public static func isRestartable(_ code: Int32) -> Bool {
        code != configError && code != notStartedByHost
    }
}

/// Codes of the ERROR frame. 1–99 belong to the protocol; modules may use 100 and up.
public enum PluginErrorCode {
    /// No protocol version in common.
    public static let incompatibleVersion = 1
    /// The configuration in CONFIGURE was rejected.
    public static let badConfiguration = 2
    /// A CALL payload did not decode (wrong size, bad layout).
    public static let badCall = 3
    /// Temporarily unable; the host may retry the call later.
    public static let retryLater = 4
    /// A frame that is not valid in this state or for this kind.
    public static let unexpectedFrame = 5
    /// A frame above the negotiated size limit.
    public static let frameTooLarge = 6
    /// The module failed while handling a call.
    public static let internalError = 7
}
