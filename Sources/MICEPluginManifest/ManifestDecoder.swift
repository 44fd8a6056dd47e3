// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

/// Walks a parsed manifest, checks every key against docs/plugin-manifest.md and builds the model.
///
/// It never stops at the first problem: a bad value is reported, replaced by its default, and the
/// walk goes on, so one run names every error of the file. Keys are visited in schema order, so
/// the order of the errors is stable.
struct ManifestDecoder {
    /// The file as the caller named it, for messages.
    let file: String
    /// The plugin folder, absolute.
    let directory: String
    /// The kind folder above the plugin folder, when the layout is `<kind>/<name>/`.
    let kindFolder: String?

    private(set) var errors: [PluginManifestError] = []
    private(set) var warnings: [PluginManifestWarning] = []

    init(file: String, directory: String, kindFolder: String?) {
        self.file = file
        self.directory = directory
        self.kindFolder = kindFolder
    }

    // MARK: - Schema

    /// Longest plugin name; names become folder names, program names and environment values.
    static let maximumNameLength = 64
    /// Largest value of any `...Seconds` key: one day. Keeps durations far from overflow.
    static let maximumSeconds = 86_400.0
    /// Bounds of `protocol.maxFrameBytes`: 4 KiB to the protocol's hard ceiling of 16 MiB.
    static let frameBytesRange = 4096...(16 << 20)
    /// Bounds of `protocol.maxInFlight`.
    static let inFlightRange = 1...65_536
    /// Bounds of `overflow.queueLength`.
    static let queueLengthRange = 1...1_048_576
    /// Characters that make `exec[0]` a shell string rather than a program path (besides white space
    /// and control characters).
    static let shellMetacharacters: Set<Character> = [
        ";", "&", "|", "<", ">", "$", "`", "\\", "\"", "'", "*", "?", "[", "]", "(", ")", "{", "}", "!", "#", "~",
    ]
    /// Programs for which `exec: [shell, "-c", ...]` is a shell command string in disguise.
    static let shells: Set<String> = ["sh", "bash", "dash", "zsh", "ksh", "ash", "busybox"]
    /// Environment names the host sets itself; a manifest cannot pass them through.
    static let reservedEnvironmentPrefix = "MICE_PLUGIN_"

    private static let topLevelKeys = [
        "name", "kind", "version", "description", "author", "license", "protocol", "exec", "options", "timeouts",
        "restart", "overflow", "sandbox", "legacy", "arguments",
    ]
    private static let protocolKeys = ["versions", "mode", "maxFrameBytes", "maxInFlight"]
    private static let optionKeys = ["type", "default", "description", "required"]
    private static let timeoutKeys = ["startSeconds", "requestSeconds", "shutdownSeconds", "heartbeatSeconds"]
    private static let restartKeys = [
        "policy", "initialDelaySeconds", "maxDelaySeconds", "resetAfterSeconds", "maxRestarts", "windowSeconds",
    ]
    private static let overflowKeys = ["policy", "queueLength"]
    private static let sandboxKeys = [
        "user", "group", "limits", "writablePaths", "network", "environment", "programs", "netlink", "capabilities",
    ]
    private static let argumentKeys = ["name", "type", "required", "minimum", "maximum", "values", "description"]
    private static let legacyKeys = ["names", "config"]
    private static let limitKeys = ["cpuSeconds", "memoryBytes", "openFiles", "processes", "fileSizeBytes"]

    /// Every key path of the schema in the order of docs/plugin-manifest.md section 4;
    /// `<name>` stands for an option name.
    static var schemaKeyPaths: [String] {
        var paths: [String] = []
        for key in topLevelKeys {
            paths.append(key)
            switch key {
            case "protocol": paths += protocolKeys.map { "protocol." + $0 }
            case "options": paths += optionKeys.map { "options.<name>." + $0 }
            case "timeouts": paths += timeoutKeys.map { "timeouts." + $0 }
            case "restart": paths += restartKeys.map { "restart." + $0 }
            case "overflow": paths += overflowKeys.map { "overflow." + $0 }
            case "legacy": paths += legacyKeys.map { "legacy." + $0 }
            case "sandbox":
                for sandboxKey in sandboxKeys {
                    paths.append("sandbox." + sandboxKey)
                    if sandboxKey == "limits" { paths += limitKeys.map { "sandbox.limits." + $0 } }
                }
            default: break
            }
        }
        return paths
    }

    /// The key paths that must be present.
    static let requiredKeyPaths = ["name", "kind", "version", "description", "exec", "options.<name>.type"]

    // MARK: - Top level

    /// Checks `root` and returns the manifest built from it (with defaults for bad values); the
    /// caller discards it when ``errors`` is not empty.
    mutating func decode(_ root: JSONValue) -> PluginManifest {
        let folderName = PathUtilities.lastComponent(directory)
        guard let top = root.objectValue else {
            error(.wrongType, key: nil, "a manifest must be a JSON object, found \(Self.describe(root))")
            return PluginManifest(
                name: folderName, kind: .filter, version: "", description: "", exec: [], directory: directory,
                file: PathUtilities.join(directory, "plugin.json"))
        }
        warnUnknownKeys(in: top, at: "", known: Self.topLevelKeys)

        let name = decodeName(top, folderName: folderName)
        let kind = decodeKind(top)
        let version = nonEmptyString(top, "version", at: "", required: true) ?? ""
        let description = nonEmptyString(top, "description", at: "", required: true) ?? ""
        let author = string(top, "author", at: "")
        let license = string(top, "license", at: "")
        let protocolSettings = decodeProtocol(top, kind: kind)
        let exec = decodeExec(top)
        let options = decodeOptions(top)
        let timeouts = decodeTimeouts(top)
        let restart = decodeRestart(top)
        let overflow = decodeOverflow(top)
        let sandbox = decodeSandbox(top)
        let legacy = decodeLegacy(top, options: options)
        let arguments = decodeArguments(top)

        var manifest = PluginManifest(
            name: name ?? folderName,
            kind: kind ?? .filter,
            version: version,
            description: description,
            author: author,
            license: license,
            protocol: protocolSettings,
            exec: exec,
            options: options,
            timeouts: timeouts,
            restart: restart,
            overflow: overflow,
            sandbox: sandbox,
            legacy: legacy,
            directory: directory,
            file: PathUtilities.join(directory, "plugin.json")
        )
        manifest.arguments = arguments
        return manifest
    }

    // MARK: - arguments (reaction modules)

    private mutating func decodeArguments(_ top: [String: JSONValue]) -> [ReactionArgumentSpec] {
        guard let elements = array(top, "arguments", at: "") else { return [] }
        var specs: [ReactionArgumentSpec] = []
        var sawOptional = false
        for (index, element) in elements.enumerated() {
            let path = ManifestKeyPath.element(index, of: "arguments")
            guard let object = element.objectValue else {
                error(.wrongType, key: path, "expected an object, found \(Self.describe(element))")
                continue
            }
            warnUnknownKeys(in: object, at: path, known: Self.argumentKeys)
            let name = nonEmptyString(object, "name", at: path, required: true) ?? "?"
            let typeName = nonEmptyString(object, "type", at: path, required: true) ?? "token"
            guard let type = ReactionArgumentSpec.ValueType(rawValue: typeName) else {
                let known = ReactionArgumentSpec.ValueType.allCases.map(\.rawValue).joined(separator: ", ")
                error(
                    .invalidValue, key: ManifestKeyPath.member("type", of: path),
                    "\(Self.quote(typeName)) is not one of \(known)")
                continue
            }
            var spec = ReactionArgumentSpec(name: name, type: type)
            spec.isRequired = boolean(object, "required", at: path) ?? true
            spec.minimum = integer(object, "minimum", at: path, in: Int.min...Int.max)
            spec.maximum = integer(object, "maximum", at: path, in: Int.min...Int.max)
            spec.values = stringArray(object, "values", at: path) ?? []
            if type == .choice, spec.values.isEmpty {
                error(.invalidValue, key: ManifestKeyPath.member("values", of: path), "a choice needs values")
            }
            if spec.isRequired, sawOptional {
                error(.invalidValue, key: path, "a required argument cannot follow an optional one")
            }
            sawOptional = sawOptional || !spec.isRequired
            specs.append(spec)
        }
        return specs
    }

    private mutating func decodeName(_ top: [String: JSONValue], folderName: String) -> String? {
        guard let name = string(top, "name", at: "", required: true) else { return nil }
        guard Self.isValidName(name) else {
            error(
                .invalidValue, key: "name",
                "invalid name \(Self.quote(name)): use 1 to \(Self.maximumNameLength) characters of a-z, 0-9, '.', '_'"
                    + " and '-', starting with a letter or digit")
            return nil
        }
        if name != folderName {
            error(
                .layout, key: "name",
                "name \(Self.quote(name)) differs from its folder \(Self.quote(folderName));"
                    + " the folder must be named after the plugin")
        }
        return name
    }

    private mutating func decodeKind(_ top: [String: JSONValue]) -> PluginKind? {
        guard let kind = enumeration(top, "kind", at: "", as: PluginKind.self, required: true) else { return nil }
        if let kindFolder, PluginKind(folderName: kindFolder) != kind {
            error(
                .layout, key: "kind",
                "kind \(Self.quote(kind.rawValue)) does not match the kind folder \(Self.quote(kindFolder))"
                    + " (a \(kind.rawValue) plugin belongs in \(Self.quote(kind.folderName + "/")))")
        }
        return kind
    }

    // MARK: - protocol

    private mutating func decodeProtocol(_ top: [String: JSONValue], kind: PluginKind?) -> ProtocolSettings {
        var settings = ProtocolSettings()
        guard let object = object(top, "protocol", at: "") else { return settings }
        let path = "protocol"
        warnUnknownKeys(in: object, at: path, known: Self.protocolKeys)
        if let versions = array(object, "versions", at: path) {
            let versionsPath = ManifestKeyPath.member("versions", of: path)
            if versions.isEmpty {
                error(.invalidValue, key: versionsPath, "must list at least one protocol version")
            }
            var valid: [Int] = []
            for (index, element) in versions.enumerated() {
                let elementPath = ManifestKeyPath.element(index, of: versionsPath)
                guard let version = integerValue(element, at: elementPath) else { continue }
                if version < 1 {
                    error(.invalidValue, key: elementPath, "a protocol version must be 1 or more, found \(version)")
                } else {
                    valid.append(version)
                }
            }
            if !valid.isEmpty { settings.versions = valid }
        }
        if let mode = enumeration(object, "mode", at: path, as: ProtocolSettings.Mode.self) {
            settings.mode = mode
            if mode == .lines, let kind, kind == .decoding || kind == .agent {
                error(
                    .invalidValue, key: ManifestKeyPath.member("mode", of: path),
                    "lines mode does not exist for \(kind.rawValue) plugins; use \"frames\"")
            }
        }
        if let value = integer(object, "maxFrameBytes", at: path, in: Self.frameBytesRange) {
            settings.maxFrameBytes = value
        }
        if let value = integer(object, "maxInFlight", at: path, in: Self.inFlightRange) {
            settings.maxInFlight = value
        }
        return settings
    }

    // MARK: - exec

    private mutating func decodeExec(_ top: [String: JSONValue]) -> [String] {
        guard let value = presentValue(top, "exec") else {
            error(.missingKey, key: "exec", "required key is missing")
            return []
        }
        guard let elements = value.arrayValue else {
            if value.stringValue != nil {
                error(
                    .wrongType, key: "exec",
                    "expected an array of strings (argv), found a string; exec is never a shell string:"
                        + " write e.g. [\"/usr/bin/python3\", \"filter.py\"]")
            } else {
                error(.wrongType, key: "exec", "expected an array of strings, found \(Self.describe(value))")
            }
            return []
        }
        guard !elements.isEmpty else {
            error(.invalidValue, key: "exec", "must not be empty: exec[0] names the program to start")
            return []
        }
        var argv: [String] = []
        for (index, element) in elements.enumerated() {
            let path = ManifestKeyPath.element(index, of: "exec")
            guard let argument = element.stringValue else {
                error(.wrongType, key: path, "expected a string, found \(Self.describe(element))")
                argv.append("")
                continue
            }
            if argument.unicodeScalars.contains("\u{0}") {
                error(.invalidValue, key: path, "must not contain a NUL character")
            }
            argv.append(argument)
        }
        if let program = elements[0].stringValue {
            checkProgram(program)
        }
        if argv.count >= 3, Self.shells.contains(PathUtilities.lastComponent(argv[0])), argv[1] == "-c" {
            warning(
                .shellCommand, key: "exec[2]",
                "runs a shell command string through \(Self.quote(argv[0])) -c; prefer a script file in the"
                    + " plugin folder")
        }
        return argv
    }

    /// Checks `exec[0]`: never a shell string; `@bin/NAME`, an absolute path, or a path inside the folder.
    private mutating func checkProgram(_ program: String) {
        let key = "exec[0]"
        guard !program.isEmpty else {
            error(.exec, key: key, "the program must not be empty")
            return
        }
        if program.contains(where: { $0.isWhitespace }) {
            error(
                .exec, key: key,
                "\(Self.quote(program)) contains white space: exec[0] is one program path, never a shell string;"
                    + " put each argument in its own array element")
            return
        }
        if let bad = program.first(where: { Self.shellMetacharacters.contains($0) || Self.isControl($0) }) {
            error(
                .exec, key: key,
                "\(Self.quote(program)) contains the shell metacharacter \(Self.quote(String(bad))):"
                    + " exec[0] is run without a shell and must be a plain program path")
            return
        }
        switch ExecTarget(program) {
        case .bin(let name):
            if !Self.isValidBinName(name) {
                error(
                    .exec, key: key,
                    "\(Self.quote(program)): after \"@bin/\" comes the name of a program built by this project"
                        + " (letters, digits, '.', '_', '-', '+'; no '/')")
            }
        case .absolute(let path):
            checkProgramFile(path: path, shown: path)
        case .relative(let path):
            if program.hasPrefix("@") {
                error(.exec, key: key, "unknown prefix in \(Self.quote(program)); the only prefix is \"@bin/\"")
                return
            }
            if path.split(separator: "/").contains("..") {
                error(
                    .exec, key: key,
                    "\(Self.quote(program)) escapes the plugin folder: a relative program path must not contain '..'")
                return
            }
            let resolved = PathUtilities.join(directory, path)
            guard PathUtilities.isFile(resolved) || PathUtilities.isDirectory(resolved) else {
                var message = "\(Self.quote(program)) was not found in the plugin folder"
                if !path.contains("/") {
                    message +=
                        "; there is no PATH search: name a system program by its absolute path,"
                        + " or a program built by this project as @bin/NAME"
                }
                error(.exec, key: key, message)
                return
            }
            checkProgramFile(path: resolved, shown: program)
        }
    }

    private mutating func checkProgramFile(path: String, shown: String) {
        let key = "exec[0]"
        if PathUtilities.isDirectory(path) {
            error(.exec, key: key, "\(Self.quote(shown)) is a directory, not a program")
        } else if !PathUtilities.isFile(path) {
            error(.exec, key: key, "\(Self.quote(shown)) does not exist")
        } else if !PathUtilities.isExecutable(path) {
            warning(
                .notExecutable, key: key,
                "\(Self.quote(shown)) is not executable; set its execute bit or run it through an interpreter"
                    + " (e.g. [\"/bin/sh\", \"script.sh\"])")
        }
    }

    // MARK: - options

    private mutating func decodeOptions(_ top: [String: JSONValue]) -> [String: OptionSpec] {
        guard let object = object(top, "options", at: "") else { return [:] }
        var options: [String: OptionSpec] = [:]
        for optionName in object.keys.sorted() {
            let path = ManifestKeyPath.member(optionName, of: "options")
            guard let value = object[optionName], value != .null else { continue }
            if optionName.isEmpty {
                error(.invalidValue, key: path, "an option name must not be empty")
                continue
            }
            guard let spec = value.objectValue else {
                error(
                    .wrongType, key: path,
                    "expected an object like {\"type\": \"string\", \"default\": ...}, found \(Self.describe(value))")
                continue
            }
            warnUnknownKeys(in: spec, at: path, known: Self.optionKeys)
            let type = enumeration(spec, "type", at: path, as: OptionSpec.ValueType.self, required: true)
            let description = string(spec, "description", at: path)
            let required = boolean(spec, "required", at: path) ?? false
            var defaultValue = presentValue(spec, "default")
            if let candidate = defaultValue, let type {
                if !type.matches(candidate) {
                    error(
                        .wrongType, key: ManifestKeyPath.member("default", of: path),
                        "expected \(type.phrase) (the option's type), found \(Self.describe(candidate))")
                    defaultValue = nil
                } else if type == .integer, case .double = candidate {
                    defaultValue = candidate.intValue.map { .int($0) }
                }
            }
            if required, defaultValue != nil {
                warning(
                    .unusedDefault, key: ManifestKeyPath.member("default", of: path),
                    "a required option's default is never used; drop \"required\" or the default")
            }
            guard let type else { continue }
            options[optionName] = OptionSpec(
                type: type, defaultValue: defaultValue, description: description, required: required)
        }
        return options
    }

    // MARK: - timeouts, restart, overflow

    private mutating func decodeTimeouts(_ top: [String: JSONValue]) -> Timeouts {
        var timeouts = Timeouts()
        guard let object = object(top, "timeouts", at: "") else { return timeouts }
        let path = "timeouts"
        warnUnknownKeys(in: object, at: path, known: Self.timeoutKeys)
        if let value = seconds(object, "startSeconds", at: path, allowZero: false) { timeouts.startSeconds = value }
        if let value = seconds(object, "requestSeconds", at: path, allowZero: false) {
            timeouts.requestSeconds = value
        }
        if let value = seconds(object, "shutdownSeconds", at: path, allowZero: false) {
            timeouts.shutdownSeconds = value
        }
        if let value = seconds(object, "heartbeatSeconds", at: path, allowZero: true) {
            timeouts.heartbeatSeconds = value
        }
        return timeouts
    }

    private mutating func decodeRestart(_ top: [String: JSONValue]) -> RestartPolicy {
        var restart = RestartPolicy()
        guard let object = object(top, "restart", at: "") else { return restart }
        let path = "restart"
        warnUnknownKeys(in: object, at: path, known: Self.restartKeys)
        if let policy = enumeration(object, "policy", at: path, as: RestartPolicy.Policy.self) {
            restart.policy = policy
        }
        let initial = seconds(object, "initialDelaySeconds", at: path, allowZero: true)
        let maximum = seconds(object, "maxDelaySeconds", at: path, allowZero: true)
        if let initial { restart.initialDelaySeconds = initial }
        if let maximum { restart.maxDelaySeconds = maximum }
        let initialValid = initial != nil || presentValue(object, "initialDelaySeconds") == nil
        let maximumValid = maximum != nil || presentValue(object, "maxDelaySeconds") == nil
        if initialValid, maximumValid, restart.initialDelaySeconds > restart.maxDelaySeconds {
            error(
                .invalidValue, key: ManifestKeyPath.member("initialDelaySeconds", of: path),
                "initialDelaySeconds (\(Self.format(restart.initialDelaySeconds))) must not be greater than"
                    + " maxDelaySeconds (\(Self.format(restart.maxDelaySeconds)))")
        }
        if let value = seconds(object, "resetAfterSeconds", at: path, allowZero: true) {
            restart.resetAfterSeconds = value
        }
        if let value = integer(object, "maxRestarts", at: path, in: 0...1_000_000) { restart.maxRestarts = value }
        if let value = seconds(object, "windowSeconds", at: path, allowZero: false) { restart.windowSeconds = value }
        return restart
    }

    private mutating func decodeOverflow(_ top: [String: JSONValue]) -> OverflowPolicy {
        var overflow = OverflowPolicy()
        guard let object = object(top, "overflow", at: "") else { return overflow }
        let path = "overflow"
        warnUnknownKeys(in: object, at: path, known: Self.overflowKeys)
        if let policy = enumeration(object, "policy", at: path, as: OverflowPolicy.Policy.self) {
            overflow.policy = policy
        }
        if let value = integer(object, "queueLength", at: path, in: Self.queueLengthRange) {
            overflow.queueLength = value
        }
        return overflow
    }

    // MARK: - sandbox

    private mutating func decodeLegacy(_ top: [String: JSONValue], options: [String: OptionSpec]) -> LegacyModule {
        var legacy = LegacyModule()
        guard let object = object(top, "legacy", at: "") else { return legacy }
        let path = "legacy"
        warnUnknownKeys(in: object, at: path, known: Self.legacyKeys)
        if let names = stringArray(object, "names", at: path) {
            for (index, name) in names.enumerated() where !Self.isValidLegacyName(name) {
                error(
                    .invalidValue, key: ManifestKeyPath.element(index, of: "legacy.names"),
                    "\(Self.quote(name)) is not a module name (letters, digits, '_', '-', '.')")
            }
            legacy.names = names.filter(Self.isValidLegacyName)
        }
        if let config = self.object(object, "config", at: path) {
            let configPath = ManifestKeyPath.member("config", of: path)
            for (key, value) in config {
                let keyPath = ManifestKeyPath.member(key, of: configPath)
                if value == .null {
                    legacy.ignoredConfig.insert(key)
                    continue
                }
                guard let option = value.stringValue else {
                    error(
                        .wrongType, key: keyPath,
                        "expected an option name (a string) or null, found \(Self.describe(value))")
                    continue
                }
                guard options[option] != nil else {
                    error(
                        .invalidValue, key: keyPath,
                        "names option \(Self.quote(option)), which `options` does not declare")
                    continue
                }
                legacy.config[key] = option
            }
        }
        return legacy
    }

    private static func isValidLegacyName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || "_-.".unicodeScalars.contains($0)
            }
    }

    private mutating func decodeSandbox(_ top: [String: JSONValue]) -> Sandbox {
        var sandbox = Sandbox()
        guard let object = object(top, "sandbox", at: "") else { return sandbox }
        let path = "sandbox"
        warnUnknownKeys(in: object, at: path, known: Self.sandboxKeys)
        sandbox.user = account(object, "user", at: path)
        sandbox.group = account(object, "group", at: path)
        if let limits = self.object(object, "limits", at: path) {
            let limitsPath = ManifestKeyPath.member("limits", of: path)
            warnUnknownKeys(in: limits, at: limitsPath, known: Self.limitKeys)
            sandbox.limits.cpuSeconds = integer(limits, "cpuSeconds", at: limitsPath, in: 1...Int.max)
            sandbox.limits.memoryBytes = integer(limits, "memoryBytes", at: limitsPath, in: 1...Int.max)
            sandbox.limits.openFiles = integer(limits, "openFiles", at: limitsPath, in: 1...Int.max)
            sandbox.limits.processes = integer(limits, "processes", at: limitsPath, in: 1...Int.max)
            sandbox.limits.fileSizeBytes = integer(limits, "fileSizeBytes", at: limitsPath, in: 1...Int.max)
        }
        if let paths = stringArray(object, "writablePaths", at: path) {
            let pathsPath = ManifestKeyPath.member("writablePaths", of: path)
            for (index, writable) in paths.enumerated() {
                let elementPath = ManifestKeyPath.element(index, of: pathsPath)
                if !writable.hasPrefix("/") {
                    error(.invalidValue, key: elementPath, "\(Self.quote(writable)) must be an absolute path")
                } else if writable.split(separator: "/").contains("..") {
                    error(.invalidValue, key: elementPath, "\(Self.quote(writable)) must not contain '..'")
                }
            }
            sandbox.writablePaths = paths
        }
        if let network = boolean(object, "network", at: path) { sandbox.network = network }
        if let names = stringArray(object, "environment", at: path) {
            let namesPath = ManifestKeyPath.member("environment", of: path)
            for (index, name) in names.enumerated() {
                let elementPath = ManifestKeyPath.element(index, of: namesPath)
                if !Self.isValidEnvironmentName(name) {
                    error(
                        .invalidValue, key: elementPath,
                        "\(Self.quote(name)) is not an environment variable name (letters, digits and '_',"
                            + " not starting with a digit)")
                } else if name.hasPrefix(Self.reservedEnvironmentPrefix) {
                    error(
                        .invalidValue, key: elementPath,
                        "\(Self.quote(name)) is set by the host; names starting with"
                            + " \(Self.reservedEnvironmentPrefix) cannot be passed through")
                }
            }
            sandbox.environment = names
        }
        if let programs = stringArray(object, "programs", at: path) {
            let programsPath = ManifestKeyPath.member("programs", of: path)
            for (index, program) in programs.enumerated()
            where !program.hasPrefix("/") || program.split(separator: "/").contains("..") {
                error(
                    .invalidValue, key: ManifestKeyPath.element(index, of: programsPath),
                    "\(Self.quote(program)) must be an absolute path without '..'")
            }
            sandbox.programs = programs
        }
        if let netlink = boolean(object, "netlink", at: path) { sandbox.netlink = netlink }
        if let capabilities = stringArray(object, "capabilities", at: path) {
            let capabilitiesPath = ManifestKeyPath.member("capabilities", of: path)
            for (index, name) in capabilities.enumerated() where ReactionArgumentSpec.capabilityNumber(name) == nil {
                error(
                    .invalidValue, key: ManifestKeyPath.element(index, of: capabilitiesPath),
                    "\(Self.quote(name)) is not a known capability (e.g. CAP_NET_ADMIN)")
            }
            sandbox.capabilities = capabilities
        }
        return sandbox
    }

    private mutating func account(_ object: [String: JSONValue], _ key: String, at parent: String) -> String? {
        guard let value = string(object, key, at: parent) else { return nil }
        guard Self.isValidAccount(value) else {
            error(
                .invalidValue, key: ManifestKeyPath.member(key, of: parent),
                "\(Self.quote(value)) is neither a \(key) name nor a numeric id")
            return nil
        }
        return value
    }

    // MARK: - Typed access

    /// The value of `key`, or nil when it is absent or JSON `null` (both mean "use the default").
    private func presentValue(_ object: [String: JSONValue], _ key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    private mutating func required(
        _ object: [String: JSONValue], _ key: String, at parent: String, required: Bool
    ) -> JSONValue? {
        let value = presentValue(object, key)
        if value == nil, required {
            error(.missingKey, key: ManifestKeyPath.member(key, of: parent), "required key is missing")
        }
        return value
    }

    private mutating func string(
        _ object: [String: JSONValue], _ key: String, at parent: String, required: Bool = false
    ) -> String? {
        guard let value = self.required(object, key, at: parent, required: required) else { return nil }
        guard let string = value.stringValue else {
            error(
                .wrongType, key: ManifestKeyPath.member(key, of: parent),
                "expected a string, found \(Self.describe(value))")
            return nil
        }
        return string
    }

    private mutating func nonEmptyString(
        _ object: [String: JSONValue], _ key: String, at parent: String, required: Bool = false
    ) -> String? {
        guard let string = string(object, key, at: parent, required: required) else { return nil }
        if string.allSatisfy(\.isWhitespace) {
            error(.invalidValue, key: ManifestKeyPath.member(key, of: parent), "must not be empty")
            return nil
        }
        return string
    }

    private mutating func boolean(_ object: [String: JSONValue], _ key: String, at parent: String) -> Bool? {
        guard let value = presentValue(object, key) else { return nil }
        guard let bool = value.boolValue else {
            error(
                .wrongType, key: ManifestKeyPath.member(key, of: parent),
                "expected a Boolean (true or false), found \(Self.describe(value))")
            return nil
        }
        return bool
    }

    private mutating func object(
        _ object: [String: JSONValue], _ key: String, at parent: String
    ) -> [String: JSONValue]? {
        guard let value = presentValue(object, key) else { return nil }
        guard let member = value.objectValue else {
            error(
                .wrongType, key: ManifestKeyPath.member(key, of: parent),
                "expected an object, found \(Self.describe(value))")
            return nil
        }
        return member
    }

    private mutating func array(_ object: [String: JSONValue], _ key: String, at parent: String) -> [JSONValue]? {
        guard let value = presentValue(object, key) else { return nil }
        guard let array = value.arrayValue else {
            error(
                .wrongType, key: ManifestKeyPath.member(key, of: parent),
                "expected an array, found \(Self.describe(value))")
            return nil
        }
        return array
    }

    /// An array whose elements are all strings; nil (with errors) otherwise.
    private mutating func stringArray(_ object: [String: JSONValue], _ key: String, at parent: String) -> [String]? {
        guard let elements = array(object, key, at: parent) else { return nil }
        let path = ManifestKeyPath.member(key, of: parent)
        var strings: [String] = []
        var valid = true
        for (index, element) in elements.enumerated() {
            if let string = element.stringValue {
                strings.append(string)
            } else {
                error(
                    .wrongType, key: ManifestKeyPath.element(index, of: path),
                    "expected a string, found \(Self.describe(element))")
                valid = false
            }
        }
        return valid ? strings : nil
    }

    private mutating func integerValue(_ value: JSONValue, at path: String) -> Int? {
        guard let integer = value.intValue, let result = Int(exactly: integer) else {
            error(.wrongType, key: path, "expected an integer, found \(Self.describe(value))")
            return nil
        }
        return result
    }

    private mutating func integer(
        _ object: [String: JSONValue], _ key: String, at parent: String, in range: ClosedRange<Int>
    ) -> Int? {
        guard let value = presentValue(object, key) else { return nil }
        let path = ManifestKeyPath.member(key, of: parent)
        guard let integer = integerValue(value, at: path) else { return nil }
        guard range.contains(integer) else {
            error(.invalidValue, key: path, Self.rangeMessage(range, found: integer))
            return nil
        }
        return integer
    }

    /// A duration in seconds: a number, > 0 (or ≥ 0 with `allowZero`), at most ``maximumSeconds``.
    private mutating func seconds(
        _ object: [String: JSONValue], _ key: String, at parent: String, allowZero: Bool
    ) -> Double? {
        guard let value = presentValue(object, key) else { return nil }
        let path = ManifestKeyPath.member(key, of: parent)
        guard let seconds = value.doubleValue else {
            error(.wrongType, key: path, "expected a number, found \(Self.describe(value))")
            return nil
        }
        if allowZero ? seconds < 0 : seconds <= 0 {
            error(
                .invalidValue, key: path,
                "must be \(allowZero ? "0 or more" : "greater than 0"), found \(Self.format(seconds))")
            return nil
        }
        if seconds > Self.maximumSeconds {
            error(
                .invalidValue, key: path,
                "must be at most \(Self.format(Self.maximumSeconds)) (one day), found \(Self.format(seconds))")
            return nil
        }
        return seconds
    }

    private mutating func enumeration<Value: RawRepresentable & CaseIterable>(
        _ object: [String: JSONValue], _ key: String, at parent: String, as type: Value.Type, required: Bool = false
    ) -> Value? where Value.RawValue == String {
        guard let word = string(object, key, at: parent, required: required) else { return nil }
        guard let value = Value(rawValue: word) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            error(
                .invalidValue, key: ManifestKeyPath.member(key, of: parent),
                "invalid value \(Self.quote(word)): expected one of \(allowed)")
            return nil
        }
        return value
    }

    private mutating func warnUnknownKeys(in object: [String: JSONValue], at parent: String, known: [String]) {
        for key in object.keys.sorted() where !known.contains(key) {
            warning(
                .unknownKey, key: ManifestKeyPath.member(key, of: parent),
                "unknown key, ignored (known keys here: \(known.joined(separator: ", ")))")
        }
    }

    // MARK: - Reporting

    private mutating func error(_ code: PluginManifestError.Code, key: String?, _ message: String) {
        errors.append(PluginManifestError(code, file: file, key: key, message))
    }

    private mutating func warning(_ code: PluginManifestWarning.Code, key: String?, _ message: String) {
        warnings.append(PluginManifestWarning(code, file: file, key: key, message))
    }

    // MARK: - Rules and wording

    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.unicodeScalars.count <= maximumNameLength else { return false }
        let scalars = Array(name.unicodeScalars)
        guard isLowerAlphanumeric(scalars[0]) else { return false }
        return scalars.allSatisfy { isLowerAlphanumeric($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }

    private static func isValidBinName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isAlphanumeric(first) else { return false }
        return name.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "." || $0 == "_" || $0 == "-" || $0 == "+" }
    }

    private static func isValidAccount(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isAlphanumeric(first) || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }

    private static func isValidEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "_" }
    }

    private static func isLowerAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    private static func isControl(_ character: Character) -> Bool {
        character.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    private static func rangeMessage(_ range: ClosedRange<Int>, found: Int) -> String {
        if range.upperBound == Int.max { return "must be \(range.lowerBound) or more, found \(found)" }
        return "must be between \(range.lowerBound) and \(range.upperBound), found \(found)"
    }

    /// `a string ("10")`, `an integer (5)`, `an array`, `null`: the type of a value, and the value
    /// itself when it is short.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let string): return "a string (\(quote(string)))"
        case .int(let integer): return "an integer (\(integer))"
        case .double(let double): return "a number (\(format(double)))"
        case .bool(let bool): return "a Boolean (\(bool))"
        default: return value.typeName
        }
    }

    /// A string in double quotes, cut to 60 characters.
    static func quote(_ string: String) -> String {
        let cut = string.count > 60 ? String(string.prefix(57)) + "..." : string
        return "\"" + cut + "\""
    }

    /// A number without a useless `.0`.
    static func format(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
