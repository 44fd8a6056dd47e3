// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEBuffer
import Testing

@Suite struct BoundedQueueTests {
    @Test func fifoOrderAndBatchLimit() async {
        let queue = BoundedQueue<Int>(capacity: 10, policy: .block)
        await queue.push([1, 2, 3, 4, 5])
        #expect(await queue.take(maximum: 3, minimum: 1, timeout: .seconds(1)) == [1, 2, 3])
        #expect(await queue.take(maximum: 3, minimum: 1, timeout: .seconds(1)) == [4, 5])
    }

    @Test func dropNewestCountsAndReturnsTheDropped() async {
        let queue = BoundedQueue<Int>(capacity: 3, policy: .dropNewest)
        let dropped = await queue.push([1, 2, 3, 4, 5])
        #expect(dropped == [4, 5])
        #expect(queue.dropped == 2)
        #expect(await queue.take(maximum: 10, minimum: 1, timeout: .seconds(1)) == [1, 2, 3])
    }

    @Test func dropOldestKeepsTheNewest() async {
        let queue = BoundedQueue<Int>(capacity: 3, policy: .dropOldest)
        let dropped = await queue.push([1, 2, 3, 4, 5])
        #expect(dropped == [1, 2])
        #expect(await queue.take(maximum: 10, minimum: 1, timeout: .seconds(1)) == [3, 4, 5])
    }

    @Test func blockPolicyWaitsForRoomAndLosesNothing() async {
        let queue = BoundedQueue<Int>(capacity: 4, policy: .block)
        async let produced: [Int] = queue.push(Array(0..<100))
        var taken: [Int] = []
        while taken.count < 100 {
            #expect(queue.count <= 4)
            taken += await queue.take(maximum: 3, minimum: 1, timeout: .seconds(5))
        }
        #expect(await produced.isEmpty)
        #expect(taken == Array(0..<100))
        #expect(queue.dropped == 0)
    }

    @Test func takeReturnsAPartialBatchAtTheDeadline() async {
        let queue = BoundedQueue<Int>(capacity: 100, policy: .block)
        await queue.push([7])
        let started = ContinuousClock.now
        let batch = await queue.take(maximum: 50, minimum: 50, timeout: .milliseconds(100))
        #expect(batch == [7])
        #expect(ContinuousClock.now - started >= .milliseconds(90))
    }

    @Test func takeReturnsAsSoonAsTheBatchIsFull() async {
        let queue = BoundedQueue<Int>(capacity: 100, policy: .block)
        async let batch = queue.take(maximum: 10, minimum: 10, timeout: .seconds(30))
        let started = ContinuousClock.now
        await queue.push(Array(0..<10))
        #expect(await batch == Array(0..<10))
        // Far below the 30 s timeout (the bound is loose: a loaded CI machine may stall for seconds).
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test func closeReleasesAWaitingProducer() async {
        let queue = BoundedQueue<Int>(capacity: 1, policy: .block)
        await queue.push([1])
        async let rejected = queue.push([2, 3])
        queue.close()
        #expect(await rejected == [2, 3])
    }
}
