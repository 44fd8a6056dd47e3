// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a compiled statement ended.
enum NCodeFlow: UInt8 {
    case normal
    case breakLoop
    case continueLoop
    case returned
    case aborted
}

/// A compiled expression: evaluates against the machine's state.
typealias NCodeEval = (NCodeMachine) -> NCodeValue
/// A compiled statement.
typealias NCodeExec = (NCodeMachine) -> NCodeFlow

/// A compiled expression kept in an array. The wrapper keeps the closure at its own type, so
/// calling it needs no reabstraction thunk (a closure stored directly in an array gets one).
struct NCodeCode {
    let eval: NCodeEval
}

/// A compiled statement kept in an array (see ``NCodeCode``).
struct NCodeStatementCode {
    let exec: NCodeExec
}

/// The state compiled N-Code runs against: global and `$` slots, the argument stack, the current
/// packet, the instruction budget and the once-per-site error reports.
final class NCodeMachine {
    let host: any NCodeHost
    /// Global variables by slot (late bound: every name has a slot from the start, null until set).
    let globals: UnsafeMutablePointer<NCodeValue>
    let globalCount: Int
    /// Bumped on every assignment to a global, so call sites can cache what they derived from it.
    let globalVersions: UnsafeMutablePointer<Int>
    /// `$` variables by slot: each function, filter and file has its own, kept across calls.
    let statics: UnsafeMutablePointer<NCodeValue>
    let staticCount: Int
    /// Global names to slots, for `recorder(spec, "schema_name")`.
    let globalSlots: [String: Int]
    /// Call sites, by site id, for diagnostics.
    var origins: [NCodeOrigin]
    private var reported: Set<Int> = []

    /// `$1 ... $n` of the running calls, stacked.
    @exclusivity(unchecked) var arguments: [NCodeValue] = []
    @exclusivity(unchecked) var frameBase = 0
    @exclusivity(unchecked) var frameCount = 0
    @exclusivity(unchecked) var callDepth = 0
    @exclusivity(unchecked) var returnValue: NCodeValue = .null

    /// Loop iterations and calls left in this callback.
    @exclusivity(unchecked) var budget = 0
    var budgetLimit = 1_000_000
    @exclusivity(unchecked) var aborted = false

    @exclusivity(unchecked) var packet = NCodePacket()
    @exclusivity(unchecked) var hasPacket = false
    var timeOverride: Int?

    init(host: any NCodeHost, globalSlots: [String: Int], staticCount: Int, origins: [NCodeOrigin]) {
        self.host = host
        self.globalSlots = globalSlots
        self.globalCount = max(globalSlots.count, 1)
        self.staticCount = max(staticCount, 1)
        self.origins = origins
        globals = .allocate(capacity: globalCount)
        globals.initialize(repeating: .null, count: globalCount)
        globalVersions = .allocate(capacity: globalCount)
        globalVersions.initialize(repeating: 0, count: globalCount)
        statics = .allocate(capacity: self.staticCount)
        statics.initialize(repeating: .null, count: self.staticCount)
        arguments.reserveCapacity(256)
    }

    deinit {
        globals.deinitialize(count: globalCount)
        globals.deallocate()
        globalVersions.deallocate()
        statics.deinitialize(count: staticCount)
        statics.deallocate()
    }

    /// `system.time`: the packet's time in a filter, else the set time, else the wall clock.
    var time: Int {
        if hasPacket { return packet.time }
        if let timeOverride { return timeOverride }
        return wallClockSeconds()
    }

    /// An error value for a failed operation at `site`; the host hears about each site once.
    func fail(_ site: Int, _ message: String) -> NCodeValue {
        if reported.insert(site).inserted { host.diagnostic(message, origin: origins[site]) }
        return .error(message)
    }

    /// Spends one unit of the budget; false (and the callback aborted) when it is exhausted.
    @inline(__always)
    func spend(_ site: Int, _ steps: Int = 1) -> Bool {
        budget -= steps
        if budget >= 0 { return true }
        if !aborted {
            aborted = true
            _ = fail(site, "instruction budget of \(budgetLimit) loop iterations and calls exceeded; callback stopped")
        }
        return false
    }

    /// How many nested elements the next walk (a comparison, `inside`, a print) may visit.
    @inline(__always)
    var walkAllowance: Int { budget > 0 ? min(budget, NCodeLimits.maxWalk) : 0 }

    /// Charges `allowance - remaining` visited elements to the budget (see ``walkAllowance``).
    @inline(__always)
    func charge(_ allowance: Int, _ remaining: Int, _ site: Int) {
        let used = allowance - max(remaining, 0)
        if used == 0 { return }
        budget -= used
        if budget < 0 && !aborted {
            aborted = true
            _ = fail(site, "instruction budget of \(budgetLimit) steps exceeded by a large value; callback stopped")
        }
    }

    /// Checks a list or array about to be stored or built: nested at most
    /// ``NCodeLimits/maxValueNesting`` levels (charged to the budget). Returns an error value otherwise.
    func checkNesting(_ value: NCodeValue, depth: Int, _ site: Int) -> NCodeValue? {
        switch value {
        case .list, .array:
            let allowance = walkAllowance
            var remaining = allowance
            let fits = value.fitsNesting(depth: depth, remaining: &remaining)
            charge(allowance, remaining, site)
            if fits { return nil }
            if remaining < 0 { return .error("instruction budget exceeded") }
            return fail(site, "lists and arrays nest at most \(NCodeLimits.maxValueNesting) levels deep")
        default:
            return nil
        }
    }

    /// The stack address where the running callback began (see ``stackExhausted()``).
    @exclusivity(unchecked) var stackBase: UInt = 0

    /// The address of a local of the caller's frame: where the stack is now.
    @inline(never)
    static func stackPosition() -> UInt {
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }

    /// Whether the running callback has used more than ``NCodeLimits/maxStackBytes`` of stack
    /// (deep recursion through deep expressions), checked at each call.
    @inline(__always)
    func stackExhausted() -> Bool {
        let here = Self.stackPosition()
        let used = here > stackBase ? here - stackBase : stackBase - here
        return used > NCodeLimits.maxStackBytes
    }

    /// Prepares one callback (a top-level statement or a filter run).
    func beginCallback() {
        stackBase = Self.stackPosition()
        budget = budgetLimit
        aborted = false
        if case .null = returnValue {} else { returnValue = .null }
        if !arguments.isEmpty { arguments.removeAll(keepingCapacity: true) }
        frameBase = 0
        frameCount = 0
        callDepth = 0
    }
}

/// Seconds since the epoch from the system clock.
func wallClockSeconds() -> Int { Int(time(nil)) }
