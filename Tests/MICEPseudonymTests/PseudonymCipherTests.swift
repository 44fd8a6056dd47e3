// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEPseudonym
import Testing

/// Keys used by the tests (fixed, so failures are reproducible).
enum TestKeys {
    static let first = try! PseudonymKey(bytes: Array(0..<32))
    static let second = try! PseudonymKey(bytes: Array(100..<132))
}

@Suite("PseudonymCipher: stable, keyed, authenticated pseudonyms")
struct PseudonymCipherTests {
    let cipher = PseudonymCipher(key: TestKeys.first)
    let other = PseudonymCipher(key: TestKeys.second)

    static let samples: [(PseudonymKind, String)] = [
        (.user, "root"), (.user, "cyrus"), (.user, "müller"), (.uid, "0"), (.uid, "4294967294"),
        (.ip, "218.188.2.4"), (.ip, "2001:db8::7"), (.ip, "::ffff:192.0.2.1"), (.host, "bugs.build.redhat.com"),
        (.host, "220-135-151-1.hinet-ip.hinet.net"), (.mac, "00:16:3e:5e:6c:00"),
    ]

    @Test("same key, kind and value: the same pseudonym, with the kind's prefix")
    func stable() throws {
        for (kind, value) in Self.samples {
            let first = try cipher.pseudonym(for: value, kind: kind)
            let again = try PseudonymCipher(key: TestKeys.first).pseudonym(for: value, kind: kind)
            #expect(first == again)
            #expect(first.hasPrefix(kind.prefix))
            #expect(!first.contains(value), "\(first) shows \(value)")
        }
    }

    @Test("another key, another pseudonym; another kind or value, another pseudonym")
    func keyedAndDistinct() throws {
        var seen = Set<String>()
        for (kind, value) in Self.samples {
            let mine = try cipher.pseudonym(for: value, kind: kind)
            #expect(try other.pseudonym(for: value, kind: kind) != mine)
            #expect(seen.insert(mine).inserted, "\(value) collides")
        }
        // The same text as user and as host: different pseudonyms beyond the prefix too.
        let asUser = try cipher.pseudonym(for: "combo", kind: .user).dropFirst(2)
        let asHost = try cipher.pseudonym(for: "combo", kind: .host).dropFirst(2)
        #expect(asUser != asHost)
    }

    @Test("reveal gives the value back, IP and MAC addresses in canonical form")
    func roundTrip() throws {
        for (kind, value) in Self.samples {
            let revealed = try cipher.reveal(Array(try cipher.pseudonym(for: value, kind: kind).utf8))
            #expect(revealed.kind == kind)
            #expect(revealed.string == value)
        }
        let spellings = ["2001:DB8:0:0:0:0:0:7", "2001:db8::7", "2001:0db8::0007"]
        let pseudonyms = try Set(spellings.map { try cipher.pseudonym(for: $0, kind: .ip) })
        #expect(pseudonyms.count == 1)
        #expect(try cipher.reveal(Array(pseudonyms.first!.utf8)).string == "2001:db8::7")
        #expect(try cipher.pseudonym(for: "010.001.002.003", kind: .ip) == cipher.pseudonym(for: "10.1.2.3", kind: .ip))
        let mac = try cipher.pseudonym(for: "00:16:3E:5E:6C:00", kind: .mac)
        #expect(try cipher.reveal(Array(mac.utf8)).string == "00:16:3e:5e:6c:00")
    }

    @Test("another key's pseudonym, an altered one, a changed prefix: does not authenticate")
    func refusesForeignAndAltered() throws {
        let foreign = try other.pseudonym(for: "root", kind: .user)
        #expect {
            try cipher.reveal(Array(foreign.utf8))
        } throws: { error in
            let error = error as! PseudonymError
            return error.code == .doesNotAuthenticate
                && error.message.contains("does not authenticate under this key")
        }
        var altered = Array(try cipher.pseudonym(for: "root", kind: .user).utf8)
        altered[altered.count - 1] = altered.last == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: PseudonymError.self) { try cipher.reveal(altered) }
        let asHost = "h-" + (try cipher.pseudonym(for: "root", kind: .user)).dropFirst(2)
        #expect {
            try cipher.reveal(Array(asHost.utf8))
        } throws: { ($0 as! PseudonymError).code == .doesNotAuthenticate }
    }

    @Test(
        "text that is no pseudonym: not a pseudonym",
        arguments: ["root", "u-", "u-abc", "x-AAAAAAAAAAAAAAAA", "u-!!!!"])
    func notAPseudonym(text: String) {
        #expect {
            try cipher.reveal(Array(text.utf8))
        } throws: { ($0 as! PseudonymError).code == .notAPseudonym }
    }

    @Test(
        "values a kind cannot hold are refused",
        arguments: [
            (PseudonymKind.ip, "999.1.1.1"), (.ip, "host.example.org"), (.ip, "1.2.3"), (.uid, "12a"),
            (.mac, "00:16:3e"), (.mac, "zz:16:3e:5e:6c:00"), (.user, ""),
        ])
    func invalidValues(kind: PseudonymKind, value: String) {
        #expect(kind.canonicalValue(Array(value.utf8)) == nil)
        #expect(throws: PseudonymError.self) { try cipher.pseudonym(for: value, kind: kind) }
    }

    @Test("length: prefix + ceil(4 * (8 + n) / 3) characters")
    func length() throws {
        #expect(try cipher.pseudonym(for: "root", kind: .user).count == 2 + 16)
        #expect(try cipher.pseudonym(for: "218.188.2.4", kind: .ip).count == 3 + 16)
        #expect(try cipher.pseudonym(for: "2001:db8::7", kind: .ip).count == 3 + 32)
        #expect(try cipher.pseudonym(for: "0", kind: .uid).count == 4 + 12)
        let host = String(repeating: "a", count: 26) + ".net"
        #expect(try cipher.pseudonym(for: host, kind: .host).count == 2 + (4 * 38 + 2) / 3)
    }

    @Test("keys: base64 of at least 16 bytes; generated keys are 32 random bytes")
    func keys() throws {
        #expect(throws: PseudonymError.self) { try PseudonymKey(base64: "c2hvcnQ=") }
        #expect(throws: PseudonymError.self) { try PseudonymKey(base64: "not base64 at all!") }
        let generated = PseudonymKey.generate()
        #expect(generated.bytes.count == 32)
        #expect(PseudonymKey.generate().bytes != generated.bytes)
        let parsed = try PseudonymKey(base64: generated.base64 + "\n")
        #expect(parsed.bytes == generated.bytes)
        #expect(
            try PseudonymCipher(key: parsed).pseudonym(for: "root", kind: .user)
                == PseudonymCipher(key: generated).pseudonym(for: "root", kind: .user))
    }

    @Test("base64url: round trips, no padding, canonical only")
    func base64URL() {
        for count in 0..<40 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 * 37 + 250) }
            var text: [UInt8] = []
            Base64URL.encode(bytes, into: &text)
            #expect(text.count == (4 * count + 2) / 3)
            #expect(!text.contains(UInt8(ascii: "=")) && !text.contains(UInt8(ascii: "+")))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.decode(Array("AB".utf8)) == nil, "non-zero unused bits")
        #expect(Base64URL.decode(Array("A".utf8)) == nil)
    }
}

@Suite("UIDPermutation: numeric uid fields")
struct UIDPermutationTests {
    @Test("pseudonyms are 2^31 and up, distinct, revealed only with the key")
    func permutation() {
        let permutation = UIDPermutation(key: TestKeys.first)
        let other = UIDPermutation(key: TestKeys.second)
        let uids: [UInt32] = Array(0..<300) + [500, 1000, 65534, 0x7FFF_FFFF]
        var seen = Set<UInt32>()
        for uid in uids {
            let pseudonym = permutation.pseudonymize(uid)
            #expect(pseudonym >= UIDPermutation.pseudonymBase)
            #expect(seen.insert(pseudonym).inserted)
            #expect(permutation.reveal(pseudonym) == uid)
            #expect(permutation.pseudonymize(uid) == pseudonym)
        }
        #expect(uids.filter { other.pseudonymize($0) == permutation.pseudonymize($0) }.count < 3)
        #expect(permutation.pseudonymize(0xFFFF_FFFF) == 0xFFFF_FFFF)
        #expect(permutation.reveal(1000) == nil)
    }
}
