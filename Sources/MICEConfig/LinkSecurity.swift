// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// How a daemon's TCP links are protected: the `[TLS]` section of `dataforwarder.conf` and
/// `bufferdaemon.conf` (docs/config.md, docs/tls.md).
///
/// | Keys | Result |
/// |---|---|
/// | `TLS = yes`, `TLSNAME = host` (`PKIDIR` defaults to `/etc/M-ICE/pki`) | ``mutualTLS(pkiDirectory:certificateName:)`` |
/// | `TLS = no`, `INSECURE = yes` | ``plaintext(acknowledged:)`` with `true`: a warning at start |
/// | no `[TLS]` keys at all (an original configuration file) | ``plaintext(acknowledged:)`` with `false`: loads, and a loud error-level warning at every start |
/// | `TLS = no` without `INSECURE = yes`; `TLS = yes` without `TLSNAME` | a ``ConfigError`` |
public enum LinkSecurity: Sendable, Hashable {
    /// Mutual TLS with this host's certificate `certificateName` from the PKI folder.
    case mutualTLS(pkiDirectory: String, certificateName: String)
    /// The original plaintext links (records possibly Twofish-encrypted inside, spec §11).
    /// `acknowledged` is true when the file says so (`TLS = no` + `INSECURE = yes`), false for an
    /// original file without the `[TLS]` keys.
    case plaintext(acknowledged: Bool)

    /// The section.
    public static let section = "TLS"
    /// The default PKI folder.
    public static let defaultPKIDirectory = "/etc/M-ICE/pki"

    /// The keys of the `[TLS]` section, for any daemon's schema (e.g. `reactiondaemon.conf`).
    public static let schemaSection = ConfigSchema.Section(
        section,
        [
            .init("TLS", .bool, "mutual TLS on every TCP link (yes in the shipped files)"),
            .init("PKIDIR", .string, default: .string(defaultPKIDirectory), "this host's PKI folder"),
            .init("TLSNAME", .string, "this host's certificate name (micectl pki issue NAME)"),
            .init("INSECURE", .bool, "with TLS = no: accept the original plaintext links"),
        ])

    /// Reads the `[TLS]` keys of a file whose schema includes ``schemaSection``.
    public init(values: ConfigValues) throws(ConfigError) {
        let section = Self.section
        let tlsSet = values.isSet("TLS", in: section)
        let insecure = values.bool("INSECURE", in: section)
        if tlsSet && values.bool("TLS", in: section) {
            if insecure {
                throw values.invalid("INSECURE", in: section, "INSECURE = yes contradicts TLS = yes")
            }
            guard let name = values.string("TLSNAME", in: section), !name.isEmpty else {
                throw ConfigError(
                    .missingKey, file: values.file, line: values.line(of: "TLS", in: section), section: section,
                    key: "TLSNAME", "TLS = yes needs TLSNAME, the name of this host's certificate")
            }
            let directory = values.string("PKIDIR", in: section) ?? Self.defaultPKIDirectory
            guard !directory.isEmpty else { throw values.invalid("PKIDIR", in: section, "must not be empty") }
            self = .mutualTLS(pkiDirectory: directory, certificateName: name)
        } else if tlsSet || values.isSet("INSECURE", in: section) {
            guard insecure else {
                throw ConfigError(
                    .missingKey, file: values.file, line: values.line(of: "TLS", in: section), section: section,
                    key: "INSECURE",
                    "TLS = no sends the links in plaintext: set INSECURE = yes to accept that, or TLS = yes")
            }
            self = .plaintext(acknowledged: true)
        } else {
            self = .plaintext(acknowledged: false)
        }
    }

    /// Whether the links use mutual TLS.
    public var isMutualTLS: Bool {
        if case .mutualTLS = self { return true }
        return false
    }

    /// The warning a daemon logs at start for plaintext links, nil with mutual TLS.
    /// - Parameters:
    ///   - file: The configuration file, for the message.
    ///   - twofish: Whether the records are Twofish-encrypted (the DataForwarder's ENCRYPT).
    public func startWarning(file: String, twofish: Bool = false) -> String? {
        guard case .plaintext(let acknowledged) = self else { return nil }
        let records =
            twofish
            ? "records are only Twofish-encrypted with a static shared key: no authentication, no integrity, replayable"
            : "records travel in plaintext: readable, forgeable and replayable by anyone on the network"
        if acknowledged {
            return
                "INSECURE links (TLS = no, INSECURE = yes in \(file)): \(records); any host can connect (docs/tls.md)"
        }
        return
            "INSECURE links: \(file) has no [TLS] section (an original configuration), so its TCP links run without "
            + "authentication as the original did: \(records); any host can connect. Add [TLS] TLS = yes with "
            + "TLSNAME and PKIDIR (micectl pki, docs/tls.md), or TLS = no and INSECURE = yes to accept this"
    }
}
