// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICETLS

/// `micectl pki`: the project CA and the host certificates of the links' mutual TLS (docs/tls.md).
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Make the project CA and host certificates for mutual TLS on the links (docs/tls.md).",
        discussion: """
            Like prelude-admin register for Prelude: `init` once on the CA host, `issue` per host, copy \
            the host's files with `export`, `revoke` when a host is retired or its key leaked, then copy \
            revoked.json to every listening host.
            """,
        subcommands: [Init.self, Issue.self, Revoke.self, List.self, Export.self]
    )

    /// The PKI folder.
    struct DirectoryOption: ParsableArguments {
        @Option(name: .long, help: "The PKI folder (ca.pem, ca.key, hosts/, revoked.json, index.json).")
        var dir = "/etc/M-ICE/pki"

        var pki: PKI { PKI(directory: dir) }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the CA: an ECDSA P-256 key (ca.key, 0600) and a self-signed certificate (ca.pem).")

        @OptionGroup var directory: DirectoryOption

        @Option(name: .customLong("cn"), help: "The CA's common name.")
        var commonName = "M-ICE CA"

        @Option(name: .long, help: "Validity in days.")
        var days = PKI.defaultAuthorityDays

        func run() throws {
            let authority = try directory.pki.initialize(commonName: commonName, days: days)
            print("CA \"\(authority.name)\" serial \(authority.serial) in \(directory.pki.directory)")
            print("  certificate \(directory.pki.caCertificatePath)")
            print("  key         \(directory.pki.caKeyPath) (0600: keep it on this host only)")
        }
    }

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a host certificate (serverAuth + clientAuth) signed by the CA.",
            discussion: """
                NAME is the host's certificate name (TLSNAME in its configuration) and common name. \
                Give every address (--ip) and DNS name (--dns) other hosts connect to it by: clients \
                check the server's certificate against the host or address in their configuration.
                """)

        @Argument(help: "The host's name (1–64 of A–Z a–z 0–9 . _ -).")
        var name: String

        @OptionGroup var directory: DirectoryOption

        @Option(name: .long, help: "An IP address for the subject alternative name (repeatable).")
        var ip: [String] = []

        @Option(name: .long, help: "A DNS name for the subject alternative name (repeatable).")
        var dns: [String] = []

        @Option(name: .long, help: "Validity in days (never beyond the CA's).")
        var days = PKI.defaultHostDays

        func run() throws {
            let host = try directory.pki.issue(name: name, dnsNames: dns, ipAddresses: ip, days: days)
            print("issued \"\(host.name)\" serial \(host.serial)")
            print("  certificate \(directory.pki.certificatePath(for: name))")
            print("  key         \(directory.pki.keyPath(for: name)) (0600)")
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a host certificate by name or serial number (adds it to revoked.json).",
            discussion: "Copy revoked.json to every listening host; listeners reread it when it changes.")

        @Argument(help: "The host's name or the certificate's serial number (hex).")
        var nameOrSerial: String

        @OptionGroup var directory: DirectoryOption

        func run() throws {
            let host = try directory.pki.revoke(nameOrSerial)
            print("revoked \"\(host.name)\" serial \(host.serial)")
            print("  copy \(directory.pki.revocationListPath) to every listening host")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the CA and every certificate issued.")

        @OptionGroup var directory: DirectoryOption

        @Flag(name: .long, help: "Print JSON (the entries of index.json).")
        var json = false

        func run() throws {
            let hosts = try directory.pki.list()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(hosts), as: UTF8.self))
                return
            }
            let now = Int64(Date().timeIntervalSince1970)
            for host in hosts {
                let state =
                    host.isRevoked ? "revoked" : host.notAfter < now ? "expired" : host.isAuthority ? "CA" : "valid"
                let until = Date(timeIntervalSince1970: TimeInterval(host.notAfter)).formatted(.iso8601)
                let names = (host.ipAddresses + host.dnsNames).joined(separator: ",")
                print("\(state)\t\(host.name)\t\(host.serial)\tuntil \(until)\t\(names)")
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a host's files (ca.pem, revoked.json, hosts/NAME.pem, hosts/NAME.key) to its PKIDIR.",
            discussion: "Never copies ca.key. Transfer the folder to the host over a secure channel.")

        @Argument(help: "The host's name.")
        var name: String

        @OptionGroup var directory: DirectoryOption

        @Option(name: .long, help: "The destination folder (the host's PKIDIR).")
        var to: String

        func run() throws {
            try directory.pki.export(name: name, to: to)
            print("exported \"\(name)\" to \(to)")
        }
    }
}
