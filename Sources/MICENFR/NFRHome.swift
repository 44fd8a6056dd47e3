// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An NFR home folder: `packages/<pkg>/` with `<pkg>.cfg` (enabled, title) and optional
/// package-wide `<pkg>.nfr` and `<pkg>.desc`; each backend of the package is `<name>.cfg` with its
/// `<name>.nfr` and optional `<name>.desc` and `<name>.acf`. `enabled=false` skips a package or a
/// backend. A folder under packages/ without its `<pkg>.cfg` is not a package (reported, skipped).
public struct NFRHome: Sendable {
    /// A backend of a package.
    public struct Backend: Sendable {
        /// The backend's name (file stem).
        public var name: String
        /// Its `.cfg`.
        public var config: NFRConfigFile
        /// Its `.nfr` path.
        public var codePath: String
        /// Its `.desc` text, if any.
        public var description: String?
        /// Its `.acf`, if any.
        public var alerts: AlertConfigFile?
        /// Whether `enabled` is true.
        public var enabled: Bool
    }

    /// A package.
    public struct Package: Sendable {
        /// The package's name (folder name).
        public var name: String
        /// Its folder.
        public var path: String
        /// Its `<pkg>.cfg`.
        public var config: NFRConfigFile
        /// Its package-wide `<pkg>.nfr`, if any.
        public var codePath: String?
        /// Its `<pkg>.desc` text, if any.
        public var description: String?
        /// Whether `enabled` is true.
        public var enabled: Bool
        /// Its backends, by name.
        public var backends: [Backend]
    }

    /// The home folder.
    public let path: String
    /// The packages found, by name.
    public let packages: [Package]
    /// Folders skipped, with why.
    public let skipped: [String]

    /// Reads the packages of an NFR home; a bad `.cfg` or `.acf` is an error naming it.
    public init(path: String) throws(NFRError) {
        self.path = path
        let packagesPath = path + "/packages"
        guard NFRFiles.isDirectory(packagesPath) else {
            throw NFRError(.unreadable, file: packagesPath, "an NFR home needs a packages folder")
        }
        var packages: [Package] = []
        var skipped: [String] = []
        for name in try NFRFiles.list(packagesPath) {
            let folder = packagesPath + "/" + name
            guard NFRFiles.isDirectory(folder) else { continue }
            let cfgPath = folder + "/" + name + ".cfg"
            guard NFRFiles.isFile(cfgPath) else {
                skipped.append("\(folder): no \(name).cfg, not a package")
                continue
            }
            let config = try NFRConfigFile(contentsOf: cfgPath)
            var package = Package(
                name: name, path: folder, config: config,
                codePath: NFRFiles.isFile(folder + "/" + name + ".nfr") ? folder + "/" + name + ".nfr" : nil,
                description: try? NFRFiles.readText(folder + "/" + name + ".desc"),
                enabled: try config.isEnabled(), backends: [])
            for file in try NFRFiles.list(folder) where file.hasSuffix(".cfg") && file != name + ".cfg" {
                let stem = String(file.dropLast(4))
                let backendConfig = try NFRConfigFile(contentsOf: folder + "/" + file)
                let codePath = folder + "/" + stem + ".nfr"
                guard NFRFiles.isFile(codePath) else {
                    skipped.append("\(folder)/\(file): no \(stem).nfr, not a backend")
                    continue
                }
                let acfPath = folder + "/" + stem + ".acf"
                package.backends.append(
                    Backend(
                        name: stem, config: backendConfig, codePath: codePath,
                        description: try? NFRFiles.readText(folder + "/" + stem + ".desc"),
                        alerts: NFRFiles.isFile(acfPath) ? try AlertConfigFile(contentsOf: acfPath) : nil,
                        enabled: try backendConfig.isEnabled()))
            }
            packages.append(package)
        }
        self.packages = packages
        self.skipped = skipped
    }

    /// The backend named `name` (`pkg/backend` or a backend name unique across packages).
    public func backend(named name: String) -> (Package, Backend)? {
        let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            guard let package = packages.first(where: { $0.name == parts[0] }),
                let backend = package.backends.first(where: { $0.name == parts[1] })
            else { return nil }
            return (package, backend)
        }
        let matches = packages.flatMap { package in
            package.backends.filter { $0.name == name }.map { (package, $0) }
        }
        return matches.count == 1 ? matches[0] : nil
    }
}
