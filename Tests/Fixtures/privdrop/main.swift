// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

// Test helper: drops privileges to argv[1]:argv[2] with PrivilegeDrop and prints the result and
// the IDs afterwards as one line: "dropped|notRoot|error uid euid gid egid groups=N regain=ok|refused".

import Logging
import MICEFdServer

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
let user = arguments.count > 1 ? arguments[1] : "nobody"
let group = arguments.count > 2 ? arguments[2] : "nogroup"
var outcome: String
do {
    switch try PrivilegeDrop.drop(user: user, group: group, logger: Logger(label: "privdrop")) {
    case .dropped: outcome = "dropped"
    case .notRoot: outcome = "notRoot"
    }
} catch let error as FdServerError {
    outcome = "error:\(error.code)"
}
let groups = getgroups(0, nil)
let regain = setuid(0) == 0 ? "ok" : "refused"
print("\(outcome) \(getuid()) \(geteuid()) \(getgid()) \(getegid()) groups=\(groups) regain=\(regain)")
