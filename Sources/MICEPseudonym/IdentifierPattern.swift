// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICERegex

/// A PCRE2 pattern that finds identifiers of one kind in log lines: the named group `value` is
/// what gets replaced.
///
/// Where matches of several patterns overlap, the one starting first wins, then the longer, then
/// the pattern listed first. A `host` value that is an IP address is sealed as `ip`; an `ip` or
/// `mac` value that is no address is left alone (so a broad candidate pattern may be validated by
/// the kind).
public struct IdentifierPattern {
    /// The kind of identifier the pattern finds.
    public let kind: PseudonymKind
    /// The pattern text.
    public let source: String
    /// The compiled pattern.
    public let regex: PCRERegex
    /// The group number of `value`.
    let valueGroup: Int

    /// Compiles `source`.
    /// - Throws: ``PseudonymError`` (`badPattern`) when it does not compile or has no group named
    ///   `value`.
    public init(kind: PseudonymKind, _ source: String) throws(PseudonymError) {
        let regex: PCRERegex
        do {
            regex = try PCRERegex(source)
        } catch {
            throw PseudonymError(.badPattern, error.description)
        }
        guard let group = regex.groupNames.first(where: { $0.value == "value" })?.key else {
            throw PseudonymError(.badPattern, "pattern \"\(source)\" has no named group (?<value>...)")
        }
        self.kind = kind
        self.source = source
        self.regex = regex
        self.valueGroup = group
    }

    /// The characters a user or host value may hold in the `key=value` forms.
    static let valueCharacters = #"[^\s;,'"()\[\]<>|=]+"#

    /// The built-in patterns, in priority order, for sshd, PAM, su, sudo, ftpd, klogind, kernel
    /// netfilter and scslog lines:
    ///
    /// - mac: six or more colon-separated hex pairs;
    /// - ip: dotted IPv4 addresses; IPv6 candidates (validated by `inet_pton`, so times like
    ///   15:16:01 are left alone);
    /// - uid: `uid=`, `euid=`, `ruid=`, `suid=`, `auid=`, `fsuid=`, `ouid=` numbers; scslog `UID: ` and
    ///   `EUID: `;
    /// - user: `user=`, `ruser=`, `logname=`, `acct=`, `account=`, `username=`, `login=`; sshd's
    ///   "for [invalid user] NAME from", "invalid user NAME", "authenticating user NAME", PAM's
    ///   "for user NAME" and "by NAME(uid=", su's "(to NAME) NAME on", sudo's "sudo: NAME : ",
    ///   login's "-- NAME[pid]: " and "LOGIN ON tty BY NAME", the local part of e-mail addresses;
    /// - host: `rhost=`, `host=`, `hostname=`, `shost=`, `client=`; names with a dot whose last
    ///   label starts with a letter (host.example.org), outside file paths.
    ///
    /// The reporting host's own name in the syslog header ("Jun 14 15:16:01 combo sshd...") is not
    /// replaced: it is the record's cHost, in clear in every record anyway. Add the pattern
    /// `^\w{3} [ \d]\d \d\d:\d\d:\d\d (?<value>\S+) ` (kind host) to replace it too.
    public static let defaultSources: [(PseudonymKind, String)] = {
        let value = valueCharacters
        let octet = #"\d{1,3}"#
        return [
            (.mac, #"(?<![\w:])(?<value>[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5,})(?![\w:])"#),
            (.ip, #"(?<![\w.])(?<value>(?:\#(octet)\.){3}\#(octet))(?!\.?\w)"#),
            (
                .ip,
                #"(?<![\w:.])(?<value>[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3})?)(?![\w:]|\.\d)"#
            ),
            (.uid, #"(?<![\w-])(?i:uid|euid|ruid|suid|auid|fsuid|ouid)=(?<value>\d+)"#),
            (.uid, #"(?<![\w-])(?:UID|EUID): (?<value>\d+)"#),
            (.user, #"(?<![\w-])(?i:user|ruser|logname|acct|account|username|login)=(?<value>\#(value))"#),
            (.user, #"\bfor (?:(?i:invalid|illegal) user )?(?<value>\#(value)) from\b"#),
            (.user, #"\b(?i:invalid|illegal|authenticating|for) user (?<value>\#(value))"#),
            (.user, #"\bby (?<value>\#(value))(?=\(uid=)"#),
            (.user, #"\(to (?<value>[^\s()]+)\)"#),
            (.user, #"\(to [^\s()]+\) (?<value>\#(value)) on\b"#),
            (.user, #"\bsudo(?:\[\d+\])?:\s+(?<value>\#(value)) : "#),
            (.user, #"(?<!\S)-- (?<value>[^\s\[\]]+)\[\d+\]: "#),
            (.user, #"\bLOGIN ON \S+ BY (?<value>\#(value))"#),
            (.user, #"(?<![\w.+%-])(?<value>[A-Za-z0-9._%+-]+)@(?=[A-Za-z0-9-]+\.)"#),
            (.host, #"(?<![\w-])(?i:rhost|host|hostname|shost|client)=(?<value>\#(value))"#),
            (
                .host,
                #"(?<![\w.-])(?<!^/|[^/]/)(?<value>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9])(?![\w-]|\.[\w-])"#
            ),
        ]
    }()

    /// The built-in patterns compiled (see ``defaultSources``).
    public static func defaults() -> [IdentifierPattern] {
        // The built-in sources are tested to compile; a failure here is a programming error.
        defaultSources.map { kind, source in
            do {
                return try IdentifierPattern(kind: kind, source)
            } catch {
                preconditionFailure("built-in pattern does not compile: \(error)")
            }
        }
    }
}
