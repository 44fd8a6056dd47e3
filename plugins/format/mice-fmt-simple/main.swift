// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginKit
import MICERecords

#if canImport(Glibc)
import Glibc
#endif

/// The simple format module (the original `mice_mod_fmt_simple`): turns a raw log line into a
/// LogFormat record in the link's layout (seed 1688 bytes or 0.2 6608 bytes) with this host's
/// name, configured domain, address, operating system, and the local date and time of reading.
///
/// Unlike the original, the address is resolved once at start (not per line), the year is
/// formatted by the C library (no "19"/"20" prefix hack), the file type is stored in 0.2 records
/// before the checksum is computed (the original checksummed first, so typed records failed
/// verification), and over-long lines are truncated to the field, never beyond it.
@main
struct FormatSimple: PluginModule {
    static let pluginName = "mice-fmt-simple"

    let layout: LogFormatLayout
    var template: LogFormat
    var clock = LocalClock()

    init(context: PluginContext) throws {
        layout = try context.logFormatLayout()
        let domain = try context.string("domain", default: "") ?? ""
        let system = SystemIdentity.current()
        let host = try context.string("host", default: nil) ?? system.host
        let qualified = domain.isEmpty ? host : "\(host).\(domain.hasPrefix(".") ? String(domain.dropFirst()) : domain)"
        let address = try context.string("ip", default: nil) ?? SystemIdentity.resolveIPv4(qualified) ?? "ERROR"
        template = LogFormat(
            host: Array(host.utf8),
            domain: Array(domain.utf8),
            ipAddress: Array(address.utf8),
            operatingSystem: Array(system.sysname.utf8),
            release: Array(system.release.utf8),
            version: Array(system.version.utf8)
        )
    }

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        var record = template
        let (date, time) = clock.now()
        record.date = date
        record.time = time
        record.logData = Array(input.data)
        record.fileType = input.fileType ?? 0
        reply.append(contentsOf: record.encode(layout: layout, computeChecksum: true))
        return 0
    }
}

/// This host's name and uname fields.
struct SystemIdentity {
    var host: String
    var sysname: String
    var release: String
    var version: String

    static func current() -> SystemIdentity {
        var name = [CChar](repeating: 0, count: 256)
        let host =
            gethostname(&name, name.count - 1) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "ERROR"
        var info = utsname()
        guard uname(&info) == 0 else {
            return SystemIdentity(host: host, sysname: "ERROR", release: "ERROR", version: "ERROR")
        }
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return SystemIdentity(
            host: host,
            sysname: text(info.sysname),
            release: text(info.release),
            version: text(info.version)
        )
    }

    /// The first IPv4 address of `name`, dotted, or nil.
    static func resolveIPv4(_ name: String) -> String? {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        guard let address = first.pointee.ai_addr else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        let found = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer -> Bool in
            var inet = pointer.pointee.sin_addr
            return inet_ntop(AF_INET, &inet, &text, socklen_t(text.count)) != nil
        }
        return found ? String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }
}

/// Local date "YYYY/MM/DD" and time "HH:MM:SS", formatted once per second.
struct LocalClock {
    private var second: time_t = -1
    private var cached: ([UInt8], [UInt8]) = ([], [])

    mutating func now() -> (date: [UInt8], time: [UInt8]) {
        var now = time(nil)
        if now == second { return cached }
        second = now
        var parts = tm()
        guard localtime_r(&now, &parts) != nil else {
            cached = (Array("ERROR".utf8), Array("ERROR".utf8))
            return cached
        }
        var buffer = [CChar](repeating: 0, count: 32)
        let dateLength = strftime(&buffer, buffer.count, "%Y/%m/%d", &parts)
        let date = buffer.prefix(dateLength).map { UInt8(bitPattern: $0) }
        let timeLength = strftime(&buffer, buffer.count, "%H:%M:%S", &parts)
        let clock = buffer.prefix(timeLength).map { UInt8(bitPattern: $0) }
        cached = (date, clock)
        return cached
    }
}
