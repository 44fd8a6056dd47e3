// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A deterministic syslog file of sshd and other traffic for benchmarks (same seed, same bytes).
public struct SyslogGenerator {
    private var state: UInt64

    public init(seed: UInt64 = 0x4D49_4345) { state = seed }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    private mutating func below(_ limit: Int) -> Int { Int(next() % UInt64(limit)) }

    private mutating func address() -> String {
        "\(below(223) + 1).\(below(256)).\(below(256)).\(below(254) + 1)"
    }

    /// `count` lines, each ending in a line feed.
    public mutating func lines(_ count: Int) -> [UInt8] {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let users = ["root", "admin", "oracle", "test", "guest", "alice", "bob", "ubuntu", "postgres", "git"]
        let hosts = ["web1", "web2", "db1", "mail", "gw"]
        var output: [UInt8] = []
        output.reserveCapacity(count * 110)
        var second = 0
        for _ in 0..<count {
            second += below(3)
            let day = 1 + (second / 86_400) % 28
            let clock = second % 86_400
            func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
            let stamp =
                "\(months[(second / (86_400 * 28)) % 12]) \(day < 10 ? " " : "")\(day) "
                + "\(two(clock / 3600)):\(two(clock / 60 % 60)):\(two(clock % 60))"
            let host = hosts[below(hosts.count)]
            let pid = 1000 + below(30_000)
            let user = users[below(users.count)]
            let line: String
            switch below(100) {
            case 0..<30:
                line = "sshd[\(pid)]: Failed password for \(user) from \(address()) port \(1024 + below(60_000)) ssh2"
            case 30..<38:
                line =
                    "sshd[\(pid)]: Failed password for invalid user \(user)\(below(100)) from \(address()) port \(1024 + below(60_000)) ssh2"
            case 38..<46:
                line =
                    "sshd[\(pid)]: Accepted publickey for \(user) from \(address()) port \(1024 + below(60_000)) ssh2"
            case 46..<52:
                line = "sshd[\(pid)]: Received disconnect from \(address()) port \(1024 + below(60_000)):11: Bye Bye"
            case 52..<60:
                line = "sshd[\(pid)]: pam_unix(sshd:session): session opened for user \(user) by (uid=0)"
            case 60..<72:
                line = "CRON[\(pid)]: pam_unix(cron:session): session closed for user root"
            case 72..<80:
                line =
                    "kernel: [\(below(99_999)).\(below(999_999))] IN=eth0 OUT= MAC=00:16:3e:00:00:01 SRC=\(address()) DST=10.0.0.\(below(254) + 1) LEN=60 TOS=0x00 PREC=0x00 TTL=\(32 + below(200)) ID=\(below(65_535)) DF PROTO=TCP SPT=\(1024 + below(60_000)) DPT=\([22, 23, 80, 443, 3389][below(5)]) WINDOW=29200 RES=0x00 SYN URGP=0"
            case 80..<86:
                line = "postfix/smtpd[\(pid)]: connect from unknown[\(address())]"
            case 86..<90:
                line =
                    "sudo: \(user) : TTY=pts/\(below(9)) ; PWD=/home/\(user) ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx"
            case 90..<93:
                line = "su[\(pid)]: FAILED su for root by \(user)"
            default:
                line = "systemd[1]: Started Session \(below(99_999)) of user \(user)."
            }
            output.append(contentsOf: "\(stamp) \(host) \(line)\n".utf8)
        }
        return output
    }
}
