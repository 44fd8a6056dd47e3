// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// A call site's flattened copy of a global list of hosts and networks, for `ip.src inside NAME`:
/// plain `UInt32`s scanned without reference counting, rebuilt when the global is assigned.
final class NCodeHostSet {
    private var version = -1
    /// Hosts, then networks as address/mask pairs (address pre-masked).
    private var hosts: UnsafeMutablePointer<UInt32>
    private var hostCount = 0
    private var networks: UnsafeMutablePointer<UInt32>
    private var networkCount = 0
    private var hostCapacity = 0
    private var networkCapacity = 0
    /// The value holds something the flat copy cannot answer (an array): use the generic test.
    private(set) var needsGeneric = false

    init() {
        hosts = .allocate(capacity: 1)
        networks = .allocate(capacity: 2)
        hostCapacity = 1
        networkCapacity = 1
    }

    deinit {
        hosts.deallocate()
        networks.deallocate()
    }

    /// Rebuilds from `value` when `currentVersion` differs from the one it was built from.
    @inline(__always)
    func refresh(_ currentVersion: Int, _ value: UnsafeMutablePointer<NCodeValue>) {
        if currentVersion != version { rebuild(currentVersion, value.pointee) }
    }

    private func rebuild(_ newVersion: Int, _ value: NCodeValue) {
        version = newVersion
        var hostList: [UInt32] = []
        var networkList: [UInt32] = []
        needsGeneric = false
        var remaining = NCodeLimits.maxWalk
        func collect(_ value: NCodeValue, depth: Int) {
            remaining -= 1
            guard depth <= NCodeLimits.maxValueNesting + 1, remaining >= 0 else {
                needsGeneric = true
                return
            }
            switch value {
            case .host(let host): hostList.append(host)
            case .network(let address, let mask): networkList += [address & mask, mask]
            case .list(let items): for item in items { collect(item, depth: depth + 1) }
            case .array: needsGeneric = true
            default: break
            }
        }
        collect(value, depth: 0)
        if hostList.count > hostCapacity {
            hosts.deallocate()
            hosts = .allocate(capacity: hostList.count)
            hostCapacity = hostList.count
        }
        if networkList.count > networkCapacity * 2 {
            networks.deallocate()
            networks = .allocate(capacity: networkList.count)
            networkCapacity = networkList.count / 2
        }
        for (index, host) in hostList.enumerated() { hosts[index] = host }
        for (index, word) in networkList.enumerated() { networks[index] = word }
        hostCount = hostList.count
        networkCount = networkList.count / 2
    }

    /// Whether `host` is one of the hosts or inside one of the networks.
    @inline(__always)
    func contains(_ host: UInt32) -> Bool {
        var index = 0
        while index < hostCount {
            if hosts[index] == host { return true }
            index += 1
        }
        index = 0
        while index < networkCount {
            if host & networks[2 * index + 1] == networks[2 * index] { return true }
            index += 1
        }
        return false
    }
}
