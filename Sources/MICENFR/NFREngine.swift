// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICENCode
import MICEPacket

/// The NFR backend engine: the enabled packages of an NFR home compiled (one ``NCodeProgram`` per
/// package: the package's `.nfr` first, then each enabled backend's `.nfr`, sharing the package's
/// globals), packets dispatched to their filters, `recorder`/`record` to ``Recorder``s,
/// `alertContext`/`alert` through ``AlertThrottle`` to the ``NFRAlertDispatcher``.
///
/// Dispatch: `filter NAME ip ()` runs for every IPv4 packet as it was on the wire (fragments
/// included); `tcp`, `udp` and `icmp` filters run for unfragmented packets of their protocol and
/// for datagrams reassembled from fragments, when their arguments match (``NCodeFilter/matches(_:)``).
/// Packet time is `system.time` and the clock of throttling, rollover and mail latency.
/// Single-threaded: one engine per thread.
public final class NFREngine: NCodeHost {
    /// What the engine counted.
    public struct Counters: Hashable, Sendable {
        /// Packets handed to ``process(_:)``.
        public var packets = 0
        /// IPv4 packets that reached the ip filters.
        public var ipPackets = 0
        /// Filter invocations.
        public var filterRuns = 0
        /// Rows recorded.
        public var records = 0
        /// Alerts let out and alerts suppressed by `alertContext`.
        public var alerts = 0
        public var suppressedAlerts = 0
        /// Runtime diagnostics reported.
        public var diagnostics = 0
    }

    private struct Dispatch {
        var program: NCodeProgram
        var index: Int
        var filter: NCodeFilter
    }

    private struct BackendRef {
        var package: String
        var backend: NFRHome.Backend?
    }

    /// What the engine counted.
    public private(set) var counters = Counters()
    /// The home.
    public let home: NFRHome
    /// The alert dispatcher.
    public let dispatcher: NFRAlertDispatcher
    /// The recorders made so far.
    public private(set) var recorders: [Recorder] = []

    private var programs: [NCodeProgram] = []
    private var ipFilters: [Dispatch] = []
    private var layerFilters: [[Dispatch]] = [[], [], []]
    private var backendsByPath: [String: BackendRef] = [:]
    private var throttle = AlertThrottle()
    /// Call sites already reported for naming an alert the `.acf` does not define.
    private var undefinedAlerts: Set<String> = []
    private var currentTime: Double = 0
    private let echoOutput: ([UInt8]) -> Void
    private let diagnosticsOutput: (String) -> Void

    /// Compiles the enabled packages of `home`. `echo` receives `echo` output, `diagnostics` runtime
    /// problems (`file:line: message`). A syntax error in any `.nfr` is thrown (file, line, column).
    public init(
        home: NFRHome, dispatcher: NFRAlertDispatcher, echo: @escaping ([UInt8]) -> Void,
        diagnostics: @escaping (String) -> Void
    ) throws {
        self.home = home
        self.dispatcher = dispatcher
        self.echoOutput = echo
        self.diagnosticsOutput = diagnostics
        var pending: [[NCodeSource]] = []
        for package in home.packages where package.enabled {
            var sources: [NCodeSource] = []
            if let path = package.codePath {
                sources.append(NCodeSource(path: path, text: try NFRFiles.readText(path)))
                backendsByPath[path] = BackendRef(package: package.name, backend: nil)
            }
            for backend in package.backends where backend.enabled {
                sources.append(NCodeSource(path: backend.codePath, text: try NFRFiles.readText(backend.codePath)))
                backendsByPath[backend.codePath] = BackendRef(package: package.name, backend: backend)
            }
            if !sources.isEmpty { pending.append(sources) }
        }
        for sources in pending {
            let program = try NCodeProgram(sources: sources, host: self)
            programs.append(program)
            for (index, filter) in program.filters.enumerated() {
                let dispatch = Dispatch(program: program, index: index, filter: filter)
                switch filter.layer {
                case .ip: ipFilters.append(dispatch)
                case .tcp: layerFilters[0].append(dispatch)
                case .udp: layerFilters[1].append(dispatch)
                case .icmp: layerFilters[2].append(dispatch)
                }
            }
        }
    }

    /// The filters compiled, in dispatch order.
    public var filterNames: [String] { (ipFilters + layerFilters.flatMap { $0 }).map(\.filter.name) }

    /// Runs every program's top-level code once, at `time` (seconds since the epoch).
    public func start(time: Double) {
        currentTime = time
        for program in programs {
            program.time = Int(time)
            program.runTopLevel()
        }
    }

    /// Runs the filters a decoded packet triggers.
    public func process(_ packet: DecodedPacket) {
        counters.packets += 1
        guard let ip = packet.ipv4 else { return }
        let time = packet.header.time
        currentTime = time
        var fields = NCodePacket(
            time: Int(packet.header.seconds), timeMicros: Int(packet.header.nanoseconds / 1000),
            ipSrc: ip.source.rawValue, ipDst: ip.destination.rawValue, ipProtocol: Int(ip.protocolNumber),
            ipLength: Int(ip.totalLength),
            ipTTL: Int(ip.ttl), ipID: Int(ip.identification), ipTOS: Int(ip.tos), blob: packet.ipBlob, sport: 0,
            dport: 0, tcpFlags: 0, icmpType: 0, icmpCode: 0)
        var layer = -1
        switch packet.transport {
        case .tcp:
            if let tcp = packet.tcp {
                fields.sport = Int(tcp.sourcePort)
                fields.dport = Int(tcp.destinationPort)
                fields.tcpFlags = Int(tcp.flags.rawValue)
                layer = 0
            }
        case .udp:
            if let udp = packet.udp {
                fields.sport = Int(udp.sourcePort)
                fields.dport = Int(udp.destinationPort)
                layer = 1
            }
        case .icmp:
            if let icmp = packet.icmp {
                fields.icmpType = Int(icmp.type)
                fields.icmpCode = Int(icmp.code)
                layer = 2
            }
        default:
            break
        }
        if !packet.isReassembled {
            counters.ipPackets += 1
            for dispatch in ipFilters {
                counters.filterRuns += 1
                dispatch.program.run(filter: dispatch.index, packet: fields)
            }
        }
        if layer >= 0 {
            for dispatch in layerFilters[layer] where dispatch.filter.matches(fields) {
                counters.filterRuns += 1
                dispatch.program.run(filter: dispatch.index, packet: fields)
            }
        }
        dispatcher.tick(time: time)
    }

    /// Closes the recorders and delivers queued mail.
    public func finish() {
        for recorder in recorders {
            do {
                try recorder.close()
            } catch {
                report("\(error)")
            }
        }
        dispatcher.finish()
        counters.suppressedAlerts = throttle.totalSuppressed
    }

    // MARK: - NCodeHost

    public func echo(_ text: [UInt8]) {
        echoOutput(text)
    }

    public func makeRecorder(spec: String, schemaName: String, schema: NCodeValue, origin: NCodeOrigin) throws
        -> NCodeValue
    {
        let words = spec.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard words.count == 2 else {
            throw NFRError(
                .invalidValue, file: origin.path, line: origin.line,
                "recorder spec must be \"bin/list CFG\" or \"bin/histogram CFG\", found \"\(spec)\"")
        }
        let program = words[0].split(separator: "/").last.map(String.init) ?? words[0]
        guard let kind = RecorderKind(rawValue: program) else {
            throw NFRError(
                .unknownName, file: origin.path, line: origin.line,
                "unknown recorder \(words[0]) (expected bin/list or bin/histogram)")
        }
        guard case .schema(let schemaValue) = schema else {
            throw NFRError(
                .invalidValue, file: origin.path, line: origin.line,
                "recorder: \(schemaName) is not a schema (library_schema:new) when the recorder is made")
        }
        var types: [RecorderColumnType] = []
        for column in schemaValue.columns {
            guard let type = RecorderColumnType(schemaName: column) else {
                throw NFRError(
                    .invalidValue, file: origin.path, line: origin.line,
                    "schema \(schemaName): unknown column type \"\(column)\" (expected time, ip, int or string)")
            }
            types.append(type)
        }
        let cfgPath = words[1].hasPrefix("/") ? words[1] : home.path + "/" + words[1]
        let settings = try RecorderSettings(config: NFRConfigFile(contentsOf: cfgPath))
        let nonTime = types.filter { $0 != .time }.count
        if !settings.columns.isEmpty, settings.columns.count != nonTime {
            report(
                "\(origin.path):\(origin.line): \(cfgPath) has \(settings.columns.count) columns but schema "
                    + "\(schemaName) has \(nonTime) besides time")
        }
        let backend = String(cfgPath.split(separator: "/").last ?? "backend").replacingSuffix(".cfg")
        let package = backendsByPath[origin.path]?.package ?? "default"
        let recorder = Recorder(
            kind: kind, schema: types, settings: settings, home: home.path, package: package, backend: backend)
        recorders.append(recorder)
        return .handle(NCodeHandle(kind: "recorder", id: recorders.count - 1))
    }

    public func record(_ values: [NCodeValue], to recorder: NCodeValue, origin: NCodeOrigin) {
        guard case .handle(let handle) = recorder, handle.kind == "recorder", recorders.indices.contains(handle.id)
        else {
            report("\(origin.path):\(origin.line): record ... to: the target is not a recorder")
            return
        }
        let target = recorders[handle.id]
        guard values.count == target.schema.count else {
            report(
                "\(origin.path):\(origin.line): record has \(values.count) values, the schema \(target.schema.count)")
            return
        }
        var row: [RecordedValue] = []
        row.reserveCapacity(values.count)
        for (value, type) in zip(values, target.schema) {
            row.append(Self.convert(value, to: type))
        }
        do {
            try target.record(row, time: currentTime)
            counters.records += 1
        } catch {
            report("\(error)")
        }
    }

    public func makeAlertContext(seconds: Int, origin: NCodeOrigin) -> NCodeValue {
        .handle(NCodeHandle(kind: "alertContext", id: throttle.makeContext(seconds: seconds)))
    }

    public func alert(source: String, alert: String, context: NCodeValue, arguments: [NCodeValue], origin: NCodeOrigin)
    {
        let reference = backendsByPath[origin.path]
        let definitions = reference?.backend?.alerts
        let definition = definitions?.alert(named: alert)
        let name = definition?.name ?? alert
        if case .handle(let handle) = context, handle.kind == "alertContext" {
            guard throttle.admit(context: handle.id, alert: name, time: currentTime) else { return }
        }
        if definition == nil, undefinedAlerts.insert("\(origin.path):\(origin.line):\(alert)").inserted {
            report("\(origin.path):\(origin.line): alert \(alert) is not defined in the backend's .acf; sent as is")
        }
        let texts = arguments.map(\.printed)
        var hosts: [String] = []
        for argument in arguments {
            if case .host(let address) = argument { hosts.append(NCodeValue.dotted(address)) }
        }
        let backendName = reference.map { "\($0.package)/\($0.backend?.name ?? $0.package)" } ?? origin.path
        let event = NFRAlert(
            time: currentTime, backend: backendName,
            source: definitions?.source(named: source)?.shortname ?? source, alert: name,
            severity: definition?.severity ?? .warning,
            message: definition?.message(arguments: texts) ?? texts.joined(separator: " "),
            arguments: texts, sourceAddress: hosts.first, targetAddress: hosts.dropFirst().first,
            rules: definition?.rules ?? ["networklist"])
        counters.alerts += 1
        dispatcher.deliver(event, mailRules: definitions?.mailRules ?? [:])
    }

    public func diagnostic(_ message: String, origin: NCodeOrigin) {
        report("\(origin.path):\(origin.line): \(message)")
    }

    private func report(_ message: String) {
        counters.diagnostics += 1
        diagnosticsOutput(message)
    }

    static func convert(_ value: NCodeValue, to type: RecorderColumnType) -> RecordedValue {
        switch (type, value) {
        case (.time, .int(let seconds)): return .time(Double(seconds))
        case (.time, _): return .time(0)
        case (.ip, .host(let address)): return .ip(address)
        case (.ip, .network(let address, _)): return .ip(address)
        case (.ip, _): return .ip(0)
        case (.int, .int(let number)): return .int(number)
        case (.int, .host(let address)): return .int(Int(address))
        case (.int, _): return .int(0)
        case (.string, .null): return .string("")
        case (.string, _): return .string(value.printed)
        }
    }
}

extension String {
    func replacingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
