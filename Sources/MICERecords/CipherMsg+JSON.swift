// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import MICECore

extension CipherMsg {
    private static let keys: Set<String> = ["ivLen", "iv", "cipherTextLen", "inner", "cipherText", "decryptError"]

    /// The envelope as a JSON object: `ivLen`, `iv` (hex), `cipherTextLen`, then either `inner`
    /// (the decoded inner record, when it was plaintext or could be decrypted) or `cipherText`
    /// (the payload's bytes), and `decryptError` when decryption was tried and failed.
    /// - Parameters:
    ///   - inner: The inner record's JSON object, or `nil` to show the payload instead.
    ///   - decryptError: Why the payload could not be decrypted, if that was tried.
    /// - Returns: A JSON object.
    public func jsonObject(inner: JSONValue?, decryptError: String? = nil) -> JSONValue {
        var object: [String: JSONValue] = [
            "ivLen": .int(Int64(ivLength)),
            "iv": .string(RecordJSON.hex(iv)),
            "cipherTextLen": .int(Int64(cipherTextLength)),
        ]
        if let inner {
            object["inner"] = inner
        } else {
            object["cipherText"] = .object(["base64": .string(Base64.encode(payload))])
        }
        if let decryptError { object["decryptError"] = .string(decryptError) }
        return .object(object)
    }

    /// Reads the parts of an envelope from the JSON form of ``jsonObject(inner:decryptError:)``.
    ///
    /// `cipherTextLen`, when given, must equal the inner record's size; `iv` must be 32 hex
    /// digits; exactly one of `inner` and `cipherText` must be present, and `cipherText` must have
    /// the inner record's size.
    /// - Parameters:
    ///   - json: The JSON object.
    ///   - kind: The inner record kind.
    /// - Returns: `IVLen`, the IV if given, the payload if given as `cipherText`, and the inner
    ///   record's JSON if given as `inner`.
    /// - Throws: ``RecordError`` naming the field at fault.
    public static func parts(fromJSON json: JSONValue, kind: RecordKind) throws(RecordError) -> (
        ivLength: UInt32, iv: [UInt8]?, payload: [UInt8]?, inner: JSONValue?
    ) {
        let type = kind.envelopeName
        let object = try RecordJSON.object(json, allowed: keys, recordType: type)
        let ivLength = try RecordJSON.integer(from: object["ivLen"], as: UInt32.self, recordType: type, field: "ivLen")
        var iv: [UInt8]?
        if let text = object["iv"], text != .null {
            guard let hex = text.stringValue, let bytes = RecordJSON.bytes(fromHex: hex), bytes.count == ivSize else {
                throw RecordError(
                    .invalidIV, recordType: type, field: "iv", detail: "expected \(ivSize * 2) hex digits")
            }
            iv = bytes
        }
        if object["cipherTextLen"] != nil {
            let declared = try RecordJSON.integer(
                from: object["cipherTextLen"], as: UInt32.self, recordType: type, field: "cipherTextLen")
            guard declared == kind.size else {
                throw RecordError(
                    .cipherTextLengthMismatch, recordType: type, field: "cipherTextLen",
                    detail: "\(declared), expected \(kind.size)")
            }
        }
        let inner = object["inner"].flatMap { $0 == .null ? nil : $0 }
        let cipherText = object["cipherText"].flatMap { $0 == .null ? nil : $0 }
        switch (inner, cipherText) {
        case (let inner?, nil):
            return (ivLength, iv, nil, inner)
        case (nil, let cipherText?):
            let payload = try RecordJSON.bytes(from: cipherText, recordType: type, field: "cipherText")
            guard payload.count == kind.size else {
                throw RecordError(
                    .sizeMismatch, recordType: type, field: "cipherText",
                    detail: "\(payload.count) bytes, expected \(kind.size)")
            }
            return (ivLength, iv, payload, nil)
        default:
            throw RecordError(
                .invalidJSON, recordType: type, detail: "expected exactly one of \"inner\" and \"cipherText\"")
        }
    }
}
