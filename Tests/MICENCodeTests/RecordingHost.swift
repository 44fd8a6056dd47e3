// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICENCode

/// A host that keeps everything the program asked for.
final class RecordingHost: NCodeHost {
    struct Recorder: Equatable {
        var spec: String
        var schemaName: String
        var schema: NCodeValue
    }

    struct Record: Equatable {
        var values: [NCodeValue]
        var recorder: NCodeValue
    }

    struct Alert: Equatable {
        var source: String
        var alert: String
        var context: NCodeValue
        var arguments: [NCodeValue]
    }

    var output: [UInt8] = []
    var diagnostics: [(message: String, origin: NCodeOrigin)] = []
    var recorders: [Recorder] = []
    var records: [Record] = []
    var contexts: [Int] = []
    var alerts: [Alert] = []

    /// Everything echoed so far, as text.
    var text: String { String(decoding: output, as: UTF8.self) }

    /// Forgets the echoed text (between packets).
    func takeText() -> String {
        defer { output = [] }
        return text
    }

    func echo(_ text: [UInt8]) { output += text }

    func makeRecorder(spec: String, schemaName: String, schema: NCodeValue, origin: NCodeOrigin) throws -> NCodeValue {
        recorders.append(Recorder(spec: spec, schemaName: schemaName, schema: schema))
        return .handle(NCodeHandle(kind: "recorder", id: recorders.count))
    }

    func record(_ values: [NCodeValue], to recorder: NCodeValue, origin: NCodeOrigin) {
        records.append(Record(values: values, recorder: recorder))
    }

    func makeAlertContext(seconds: Int, origin: NCodeOrigin) -> NCodeValue {
        contexts.append(seconds)
        return .handle(NCodeHandle(kind: "alertContext", id: contexts.count))
    }

    func alert(source: String, alert: String, context: NCodeValue, arguments: [NCodeValue], origin: NCodeOrigin) {
        alerts.append(Alert(source: source, alert: alert, context: context, arguments: arguments))
    }

    func diagnostic(_ message: String, origin: NCodeOrigin) { diagnostics.append((message, origin)) }
}

/// Compiles `text` as one file and runs its top level.
func runTopLevel(_ text: String, path: String = "t.nfr") throws -> (NCodeProgram, RecordingHost) {
    let host = RecordingHost()
    let program = try NCodeProgram(sources: [NCodeSource(path: path, text: text)], host: host)
    program.time = 1_000
    program.runTopLevel()
    return (program, host)
}

/// The compile error `text` gives, or nil when it compiles.
func compileError(_ text: String, path: String = "t.nfr") -> NCodeError? {
    do {
        _ = try NCodeProgram(sources: [NCodeSource(path: path, text: text)], host: RecordingHost())
        return nil
    } catch {
        return error
    }
}

/// 10.0.0.255 → 0x0A00_00FF.
func ip(_ text: String) -> UInt32 {
    text.split(separator: ".").reduce(UInt32(0)) { $0 << 8 | UInt32($1)! }
}

/// A hand-built packet; `payload` is ip.blob.
struct TestPacket {
    var src: String
    var dst: String
    var proto: Int
    var payload: [UInt8]
    var sport = 0
    var dport = 0
    var time = 894_000_000

    /// An ICMP echo request (type 8) with checksum `0xF7FD`.
    static func ping(_ src: String, _ dst: String) -> TestPacket {
        TestPacket(src: src, dst: dst, proto: 1, payload: [8, 0, 0xF7, 0xFD, 0x12, 0x34, 0x00, 0x01])
    }

    /// A TCP segment with `flags` at byte 13.
    static func tcp(_ src: String, _ sport: Int, _ dst: String, _ dport: Int, flags: UInt8) -> TestPacket {
        var header = [UInt8](repeating: 0, count: 20)
        header[0] = UInt8(sport >> 8)
        header[1] = UInt8(sport & 0xFF)
        header[2] = UInt8(dport >> 8)
        header[3] = UInt8(dport & 0xFF)
        header[12] = 0x50
        header[13] = flags
        return TestPacket(src: src, dst: dst, proto: 6, payload: header, sport: sport, dport: dport)
    }

    static func udp(_ src: String, _ sport: Int, _ dst: String, _ dport: Int) -> TestPacket {
        let header: [UInt8] = [
            UInt8(sport >> 8), UInt8(sport & 0xFF), UInt8(dport >> 8), UInt8(dport & 0xFF), 0, 8, 0, 0,
        ]
        return TestPacket(src: src, dst: dst, proto: 17, payload: header, sport: sport, dport: dport)
    }

    /// Calls `body` with the NCodePacket (its blob valid during the call).
    func withPacket<R>(_ body: (NCodePacket) -> R) -> R {
        payload.withUnsafeBytes { blob in
            body(
                NCodePacket(
                    time: time, ipSrc: ip(src), ipDst: ip(dst), ipProtocol: proto, ipLength: 20 + payload.count,
                    ipTTL: 64, blob: blob, sport: sport, dport: dport,
                    tcpFlags: proto == 6 ? Int(payload[13]) : 0, icmpType: proto == 1 ? Int(payload[0]) : 0,
                    icmpCode: proto == 1 ? Int(payload[1]) : 0))
        }
    }

    /// Runs every filter of `program` whose layer and arguments match.
    func run(through program: NCodeProgram) {
        withPacket { packet in
            for (index, filter) in program.filters.enumerated() where filter.matches(packet) {
                program.run(filter: index, packet: packet)
            }
        }
    }
}
