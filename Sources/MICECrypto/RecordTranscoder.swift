// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICECore
import MICERecords

/// Converts streams of back-to-back binary records to JSON lines (one object per record, every
/// field) and back: the engine of `micectl records decode|encode`.
///
/// For enveloped streams (`cipher`, `cipher-idmef`, `cipher-reaction`) a record's JSON holds the
/// envelope fields and, when the payload is plaintext or could be decrypted with ``cipher``, the
/// inner record under `inner`; otherwise the payload under `cipherText`. Encoding computes
/// checksums unless ``keepChecksum`` is set and the JSON gives one, and encrypts with ``cipher``
/// when it is set (with a fresh random IV unless ``keepIV``).
///
/// Both directions write each record as soon as it is converted, so the records before a bad
/// one are output before the error is thrown.
public struct RecordTranscoder: Sendable {
    /// The type of the binary stream.
    public var streamType: RecordStreamType
    /// The LogFormat layout, for LogFormat streams.
    public var layout: LogFormatLayout
    /// The stReactionMsg variant, for reaction streams.
    public var architecture: ReactionArchitecture
    /// The key for encrypted envelopes, if any.
    public var cipher: LegacyTwofish?
    /// Encoding: store a checksum given in the JSON instead of computing one.
    public var keepChecksum: Bool
    /// Encoding with a key: reuse the IV given in the JSON of an encrypted record instead of a
    /// fresh random one (reproduces the original bytes; reusing an IV for changed data leaks it).
    public var keepIV: Bool

    /// Creates a transcoder.
    /// - Parameters:
    ///   - streamType: The type of the binary stream.
    ///   - layout: The LogFormat layout.
    ///   - architecture: The stReactionMsg variant.
    ///   - cipher: The key for encrypted envelopes.
    ///   - keepChecksum: Store checksums given in the JSON.
    ///   - keepIV: Reuse IVs given in the JSON.
    public init(
        streamType: RecordStreamType = .cipher, layout: LogFormatLayout = .seed,
        architecture: ReactionArchitecture = .x86_64, cipher: LegacyTwofish? = nil, keepChecksum: Bool = false,
        keepIV: Bool = false
    ) {
        self.streamType = streamType
        self.layout = layout
        self.architecture = architecture
        self.cipher = cipher
        self.keepChecksum = keepChecksum
        self.keepIV = keepIV
    }

    /// The (inner) record kind of the stream.
    public var recordKind: RecordKind { streamType.recordKind(layout: layout, architecture: architecture) }

    /// The size of one binary record of the stream (the envelope's size for enveloped streams).
    public var recordSize: Int { streamType.isEnveloped ? recordKind.envelopeSize : recordKind.size }

    // MARK: One record

    /// Converts one binary record to its JSON object.
    /// - Parameter bytes: Exactly ``recordSize`` bytes.
    /// - Returns: The JSON object.
    /// - Throws: ``RecordError`` (offsets inside the record) or ``CryptoError``.
    public func decodeRecord(_ bytes: [UInt8]) throws -> JSONValue {
        let kind = recordKind
        guard streamType.isEnveloped else { return try kind.jsonObject(decoding: bytes) }
        let envelope = try CipherMsg(decoding: bytes, kind: kind)
        if !envelope.isEncrypted {
            return envelope.jsonObject(inner: try kind.jsonObject(decoding: envelope.payload))
        }
        guard let cipher else { return envelope.jsonObject(inner: nil) }
        let opened = try cipher.open(envelope, kind: kind, acceptPlaintext: true, verifyChecksum: false)
        if let checksum = opened.checksum, !checksum.isAccepted {
            return envelope.jsonObject(
                inner: nil, decryptError: "inner checksum \(checksum) after decryption (wrong key?)")
        }
        return envelope.jsonObject(inner: try kind.jsonObject(decoding: opened.bytes))
    }

    /// Converts one JSON object to a binary record.
    /// - Parameter json: The JSON object, as ``decodeRecord(_:)`` produces it.
    /// - Returns: ``recordSize`` bytes.
    /// - Throws: ``RecordError`` naming the field at fault, or ``CryptoError``.
    public func encodeRecord(_ json: JSONValue) throws -> [UInt8] {
        let kind = recordKind
        guard streamType.isEnveloped else { return try kind.encode(json: json, keepGivenChecksum: keepChecksum) }
        let parts = try CipherMsg.parts(fromJSON: json, kind: kind)
        let zeroIV = [UInt8](repeating: 0, count: CipherMsg.ivSize)
        if let payload = parts.payload {
            return CipherMsg(ivLength: parts.ivLength, iv: parts.iv ?? zeroIV, payload: payload).encode()
        }
        let inner = try kind.encode(json: parts.inner ?? .object([:]), keepGivenChecksum: keepChecksum)
        if let cipher {
            let givenIV = keepIV && parts.ivLength != 0 ? parts.iv : nil
            return try cipher.seal(inner, iv: givenIV).encode()
        }
        guard parts.ivLength == 0 else {
            throw CryptoError(.missingKey, "ivLen is \(parts.ivLength) (encrypted), but no key was given")
        }
        return CipherMsg(ivLength: 0, iv: parts.iv ?? zeroIV, payload: inner).encode()
    }

    // MARK: Streams

    /// Converts a binary stream to JSON lines.
    /// - Parameters:
    ///   - read: Returns up to the given number of bytes; an empty result means end of input.
    ///   - emit: Receives each JSON line, without its newline.
    /// - Returns: The number of records converted.
    /// - Throws: ``RecordStreamError`` with the record's number and byte offset.
    @discardableResult
    public func decodeStream(read: (Int) throws -> [UInt8], emit: (String) throws -> Void) throws -> Int {
        let size = recordSize
        let encoder = Self.makeEncoder()
        var offset = 0
        var count = 0
        while true {
            let number = count + 1
            var record: [UInt8] = []
            record.reserveCapacity(size)
            while record.count < size {
                let chunk = try Self.io(number, offset: offset) { try read(size - record.count) }
                if chunk.isEmpty { break }
                record.append(contentsOf: chunk)
            }
            if record.isEmpty { return count }
            guard record.count == size else {
                throw RecordStreamError(
                    .truncatedRecord, recordNumber: number, offset: offset,
                    detail: "input ends after \(record.count) of \(size) bytes of \(Self.name(of: self))")
            }
            let json: JSONValue
            do {
                json = try decodeRecord(record)
            } catch let error as RecordError {
                throw RecordStreamError(
                    .invalidRecord, recordNumber: number, offset: offset + (error.offset ?? 0),
                    detail: error.description)
            } catch {
                throw RecordStreamError(.encryptionFailed, recordNumber: number, offset: offset, detail: "\(error)")
            }
            let line = try Self.jsonLine(json, encoder: encoder)
            try Self.io(number, offset: offset) { try emit(line) }
            offset += size
            count += 1
        }
    }

    /// Converts JSON lines to a binary stream. Blank lines are skipped.
    /// - Parameters:
    ///   - read: Returns up to the given number of bytes; an empty result means end of input.
    ///   - emit: Receives each binary record.
    /// - Returns: The number of records converted.
    /// - Throws: ``RecordStreamError`` with the line number.
    @discardableResult
    public func encodeStream(read: (Int) throws -> [UInt8], emit: ([UInt8]) throws -> Void) throws -> Int {
        let decoder = JSONDecoder()
        var pending: [UInt8] = []
        var lineNumber = 0
        var count = 0
        var atEnd = false
        while !atEnd {
            let chunk = try Self.io(count + 1, line: lineNumber + 1) { try read(65536) }
            if chunk.isEmpty {
                atEnd = true
            } else {
                pending.append(contentsOf: chunk)
            }
            var start = 0
            while true {
                let end: Int
                if let newline = pending[start...].firstIndex(of: 0x0A) {
                    end = newline
                } else if atEnd && start < pending.count {
                    end = pending.count  // a last line without newline
                } else {
                    break
                }
                lineNumber += 1
                let line = Array(pending[start..<end])
                start = min(end + 1, pending.count)
                guard line.contains(where: { !Self.isWhitespace($0) }) else { continue }
                let record = try encodeLine(line, lineNumber: lineNumber, recordNumber: count + 1, decoder: decoder)
                try Self.io(count + 1, line: lineNumber) { try emit(record) }
                count += 1
            }
            pending.removeFirst(min(start, pending.count))
        }
        return count
    }

    private func encodeLine(_ line: [UInt8], lineNumber: Int, recordNumber: Int, decoder: JSONDecoder) throws -> [UInt8]
    {
        let json: JSONValue
        do {
            json = try decoder.decode(JSONValue.self, from: Data(line))
        } catch {
            throw RecordStreamError(
                .malformedJSON, recordNumber: recordNumber, line: lineNumber, detail: Self.summary(of: error))
        }
        do {
            return try encodeRecord(json)
        } catch let error as RecordError {
            throw RecordStreamError(
                .invalidJSONRecord, recordNumber: recordNumber, line: lineNumber, detail: error.description)
        } catch {
            throw RecordStreamError(.encryptionFailed, recordNumber: recordNumber, line: lineNumber, detail: "\(error)")
        }
    }

    /// Converts a binary file or pipe to JSON lines written to another.
    /// - Parameters:
    ///   - input: The binary input.
    ///   - output: Receives one JSON object per line.
    /// - Returns: The number of records converted.
    /// - Throws: ``RecordStreamError``.
    @discardableResult
    public func decode(from input: FileHandle, to output: FileHandle) throws -> Int {
        try decodeStream(
            read: { try Self.read(input, upTo: $0) },
            emit: { line in try output.write(contentsOf: Data((line + "\n").utf8)) }
        )
    }

    /// Converts a JSON-lines file or pipe to binary records written to another.
    /// - Parameters:
    ///   - input: The JSON lines.
    ///   - output: Receives the binary records.
    /// - Returns: The number of records converted.
    /// - Throws: ``RecordStreamError``.
    @discardableResult
    public func encode(from input: FileHandle, to output: FileHandle) throws -> Int {
        try encodeStream(
            read: { try Self.read(input, upTo: $0) },
            emit: { record in try output.write(contentsOf: Data(record)) }
        )
    }

    /// The compact JSON text of a value, keys sorted, as written by ``decodeStream(read:emit:)``.
    /// - Parameter value: The value.
    /// - Returns: One line of JSON.
    /// - Throws: An encoding error (not expected for record JSON).
    public static func jsonLine(_ value: JSONValue) throws -> String {
        try jsonLine(value, encoder: makeEncoder())
    }

    // MARK: Helpers

    private static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    private static func jsonLine(_ value: JSONValue, encoder: JSONEncoder) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func read(_ handle: FileHandle, upTo count: Int) throws -> [UInt8] {
        guard let data = try handle.read(upToCount: count) else { return [] }
        return [UInt8](data)
    }

    private static func io<Result>(_ number: Int, offset: Int? = nil, line: Int? = nil, _ body: () throws -> Result)
        throws -> Result
    {
        do {
            return try body()
        } catch let error as RecordStreamError {
            throw error
        } catch {
            throw RecordStreamError(.ioFailed, recordNumber: number, offset: offset, line: line, detail: "\(error)")
        }
    }

    private static func name(of transcoder: RecordTranscoder) -> String {
        let kind = transcoder.recordKind
        return transcoder.streamType.isEnveloped ? kind.envelopeName : kind.name
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    private static func summary(of error: any Error) -> String {
        guard let decodingError = error as? DecodingError else { return "\(error)" }
        switch decodingError {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context),
            .keyNotFound(_, let context):
            if let underlying = context.underlyingError { return "\(context.debugDescription) (\(underlying))" }
            return context.debugDescription
        @unknown default:
            return "\(decodingError)"
        }
    }
}
