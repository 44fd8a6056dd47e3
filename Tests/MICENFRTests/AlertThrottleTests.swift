// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICENFR
import Testing

@Suite struct AlertThrottleTests {
    /// Admitted alerts for arrival times under one context of `seconds`.
    func admitted(_ times: [Double], seconds: Int) -> [Double] {
        var throttle = AlertThrottle()
        let context = throttle.makeContext(seconds: seconds)
        return times.filter { throttle.admit(context: context, alert: "A", time: $0) }
    }

    @Test func fixedWindowFromTheLastAlertLetOut() {
        // Suricata's threshold-rule-flow icmp.pcap: 8 echo requests in pairs 28 µs apart, one pair a second.
        let pairs: [Double] = [0, 0.000028, 1, 1.000028, 2, 2.000028, 3, 3.000028]
        #expect(admitted(pairs, seconds: 5) == [0])
        #expect(admitted(pairs, seconds: 1) == [0, 1, 2, 3])
        // Suppressed alerts do not extend the window; exactly t0 + n goes out.
        #expect(admitted([0, 4, 4.9, 5, 9.99, 10], seconds: 5) == [0, 5, 10])
        #expect(admitted([0, 0, 0], seconds: 0) == [0, 0, 0])
    }

    @Test func contextsAndAlertsHaveTheirOwnWindowsAndSuppressedAreCounted() {
        var throttle = AlertThrottle()
        let first = throttle.makeContext(seconds: 5)
        let second = throttle.makeContext(seconds: 5)
        var admitted = throttle.admit(context: first, alert: "A", time: 0)
        #expect(admitted)
        admitted = throttle.admit(context: second, alert: "A", time: 1)
        #expect(admitted)
        admitted = throttle.admit(context: first, alert: "B", time: 1)
        #expect(admitted)
        admitted = throttle.admit(context: first, alert: "A", time: 2)
        #expect(!admitted)
        admitted = throttle.admit(context: first, alert: "A", time: 3)
        #expect(!admitted)
        #expect(throttle.totalSuppressed == 2)
        #expect(throttle.suppressed[.init(context: first, alert: "A")] == 2)
        admitted = throttle.admit(context: 99, alert: "A", time: 3)
        #expect(admitted)
    }
}
