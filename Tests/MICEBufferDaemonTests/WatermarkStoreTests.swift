// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEBufferDaemon
import Testing

@Suite("WatermarkStore: contiguous completion per sender")
struct WatermarkStoreTests {
    @Test("out-of-order completions and admissions, duplicates and strangers; saved and read back")
    func contiguous() throws {
        let folder = NSTemporaryDirectory() + "mice-watermarks-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/watermarks.json"
        let store = try WatermarkStore(path: path)
        for sequence in [1, 2, 3, 4, 5, 6, 8, 7, 9] as [UInt64] { store.admitted(sequence, from: "a") }
        store.admitted(3, from: "a")
        #expect(store.durableSequence(of: "a") == 0)
        store.completed(2, from: "a")
        store.completed(4, from: "a")
        store.completed(42, from: "a")
        store.completed(1, from: "b")
        #expect(store.durableSequence(of: "a") == 0)
        #expect(store.durableSequence(of: "b") == 0)
        store.completed(1, from: "a")
        #expect(store.durableSequence(of: "a") == 2)
        store.completed(3, from: "a")
        #expect(store.durableSequence(of: "a") == 4)
        store.completed(8, from: "a")
        store.completed(8, from: "a")
        store.completed(5, from: "a")
        store.completed(6, from: "a")
        #expect(store.durableSequence(of: "a") == 6)
        store.completed(7, from: "a")
        #expect(store.durableSequence(of: "a") == 8)
        #expect(try store.save())
        store.completed(9, from: "a")
        #expect(store.durableSequence(of: "a") == 9)
        #expect(try WatermarkStore(path: path).durableSequence(of: "a") == 8)
        #expect(try store.save())
        #expect(try WatermarkStore(path: path).durableSequence(of: "a") == 9)
        #expect(try !store.save())
    }
}
