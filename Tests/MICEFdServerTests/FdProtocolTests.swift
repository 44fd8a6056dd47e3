// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICEFdServer
import Testing

@Suite struct FdProtocolTests {
    func decode(_ bytes: [UInt8], truncated: Bool = false) -> Result<FdProtocol.Request, FdServerError> {
        FdProtocol.decode(bytes[...], wasTruncated: truncated)
    }

    func code(_ bytes: [UInt8], truncated: Bool = false) -> FdServerError.Code? {
        if case .failure(let error) = decode(bytes, truncated: truncated) { return error.code }
        return nil
    }

    @Test func roundTrip() throws {
        let request = FdProtocol.request(command: FdProtocol.commandOpen, path: Array("/var/log/syslog".utf8))
        #expect(request.prefix(8) == [0x4D, 0x46, 0x44, 0x31, 1, 0, 0, 15])
        #expect(request.last == 0)
        let decoded = try decode(request).get()
        #expect(decoded.command == 1)
        #expect(decoded.path == Array("/var/log/syslog".utf8))
        #expect(FdProtocol.reply(status: 11, errno: 13) == [11, 0, 0, 0, 0, 0, 0, 13])
    }

    @Test func hostileRequests() {
        let good = FdProtocol.request(command: 1, path: Array("/x".utf8))
        #expect(code([]) == .malformedRequest)
        #expect(code(Array("garbage!garbage".utf8)) == .malformedRequest)
        #expect(code(Array(good.prefix(5))) == .malformedRequest)
        var reserved = good
        reserved[5] = 1
        #expect(code(reserved) == .malformedRequest)
        #expect(code(Array(good.dropLast())) == .missingTerminator)
        var wrongTerminator = good
        wrongTerminator[wrongTerminator.count - 1] = UInt8(ascii: "x")
        #expect(code(wrongTerminator) == .missingTerminator)
        #expect(code(good + [0]) == .malformedRequest)
        #expect(code(Array(good.dropLast(2))) == .malformedRequest)
        var unknown = good
        unknown[4] = 9
        #expect(code(unknown) == .unknownCommand)
        let long = FdProtocol.request(command: 1, path: [UInt8](repeating: UInt8(ascii: "a"), count: 5000))
        #expect(code(Array(long.prefix(FdProtocol.maximumRequestSize + 1)), truncated: true) == .pathTooLong)
        #expect(code(FdProtocol.request(command: 1, path: [])) == .invalidPath)
        #expect(code(FdProtocol.request(command: 1, path: [UInt8(ascii: "/"), 0, UInt8(ascii: "x")])) == .invalidPath)
        #expect(code(good, truncated: true) == .malformedRequest)
    }

    @Test func wireStatusesAreDistinctAndRoundTrip() {
        let codes: [FdServerError.Code] = [
            .malformedRequest, .unknownCommand, .missingTerminator, .pathTooLong, .invalidPath, .notAllowed,
            .resolvesOutside, .notFound, .statFailed, .wrongFileType, .openFailed, .changedDuringOpen,
        ]
        #expect(Set(codes.compactMap(\.status)).count == codes.count)
        for code in codes { #expect(FdServerError.Code(status: code.status!) == code) }
        #expect(FdServerError.Code(status: 0) == nil)
        #expect(FdServerError.Code(status: 200) == nil)
    }
}
