// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPluginKit
import MICEReactionKit

#if canImport(Glibc)
import Glibc
#endif

/// A misbehaving reaction module for the sandbox tests. The first token picks what it tries:
/// `ok`, `write inside|outside`, `fork`, `alloc MEGABYTES`, `sleep`, `spin`, `connect`, `exec`, `whoami`.
/// It answers 0 when the attempt worked and 1 (with the reason) when the sandbox stopped it.
@main
struct TestReaction: PluginModule {
    static let pluginName = "mice-test-reaction"

    init(context: PluginContext) throws {}

    mutating func call(_ input: CallInput, reply: inout [UInt8]) throws -> Int32 {
        let tokens = ReactionReport.tokens(input.data)
        let parameter = tokens.count > 1 ? tokens[1] : ""
        func answer(_ worked: Bool, _ summary: String) -> Int32 {
            reply += ReactionReport(key: nil, summary: summary, dryRun: false).encoded
            return worked ? 0 : 1
        }
        switch tokens.first ?? "" {
        case "ok":
            return answer(true, "ok")
        case "whoami":
            return answer(true, "uid \(getuid()) gid \(getgid())")
        case "write":
            let path =
                parameter == "inside" ? "/tmp/mice-test-reaction-allowed/inside" : "/tmp/mice-test-reaction-outside"
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { return answer(false, "open \(path): \(String(cString: strerror(errno)))") }
            _ = write(fd, "x", 1)
            close(fd)
            return answer(true, "wrote \(path)")
        case "fork":
            for count in 0..<100_000 {
                let pid = fork()
                if pid == 0 {
                    pause()
                    _exit(0)
                }
                if pid < 0 { return answer(false, "fork refused after \(count): \(String(cString: strerror(errno)))") }
            }
            return answer(true, "forked 100000 processes")
        case "alloc":
            let megabytes = Int(parameter) ?? 4096
            guard let memory = malloc(megabytes << 20) else { return answer(false, "malloc \(megabytes) MiB refused") }
            memset(memory, 1, megabytes << 20)
            free(memory)
            return answer(true, "allocated \(megabytes) MiB")
        case "sleep":
            sleep(3600)
            return answer(true, "slept")
        case "spin":
            var value: UInt64 = 1
            while value != 0 { value = value &* 6_364_136_223_846_793_005 &+ 1 }
            return answer(true, "spun")
        case "connect":
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return answer(false, "socket: \(String(cString: strerror(errno)))") }
            close(fd)
            return answer(true, "opened an IPv4 socket")
        case "exec":
            let result = ProgramRunner.run("/bin/true", [])
            return answer(result.succeeded, "exec /bin/true: status \(result.status) \(result.output)")
        default:
            return answer(false, "unknown mode")
        }
    }
}
