// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import CMcrypt
import Synchronization

/// libmcrypt's module open and close touch process-wide loader state, so they are serialised;
/// the handles themselves are used by one call each and never shared.
private let moduleLifecycle = Mutex<Void>(())

/// One Twofish-128 / libmcrypt "cfb" (8-bit CFB) operation on a fresh libmcrypt handle.
enum TwofishCFB8 {
    enum Direction {
        case encrypt, decrypt
    }

    /// Encrypts or decrypts `data` in place with a 16-byte key and IV. CFB-8 needs no padding:
    /// the output has the input's length.
    static func process(_ data: inout [UInt8], key: [UInt8], iv: [UInt8], direction: Direction) throws(CryptoError) {
        precondition(key.count == 16, "LegacyTwofish always passes a 16-byte key")
        guard iv.count == 16 else {
            throw CryptoError(.invalidIV, "the IV has \(iv.count) bytes, Twofish CFB needs 16")
        }
        guard !data.isEmpty else { return }
        guard let handle = openModule() else {
            throw CryptoError(.libraryFailure, "mcrypt_module_open(\"twofish\", \"cfb\") failed")
        }
        defer { closeModule(handle) }
        guard mcrypt_enc_get_iv_size(handle) == 16 else {
            throw CryptoError(.libraryFailure, "libmcrypt reports an IV size other than 16 for twofish/cfb")
        }
        var keyCopy = key
        var ivCopy = iv
        let initResult = keyCopy.withUnsafeMutableBytes { keyBuffer in
            ivCopy.withUnsafeMutableBytes { ivBuffer in
                mcrypt_generic_init(handle, keyBuffer.baseAddress, Int32(keyBuffer.count), ivBuffer.baseAddress)
            }
        }
        guard initResult >= 0 else {
            throw CryptoError(.libraryFailure, "mcrypt_generic_init failed (\(initResult))")
        }
        defer { mcrypt_generic_deinit(handle) }
        // One call over the whole buffer: for CFB-8 this equals the original's one call per byte.
        let result = data.withUnsafeMutableBytes { buffer in
            switch direction {
            case .encrypt: return mcrypt_generic(handle, buffer.baseAddress, Int32(buffer.count))
            case .decrypt: return mdecrypt_generic(handle, buffer.baseAddress, Int32(buffer.count))
            }
        }
        guard result == 0 else {
            throw CryptoError(.libraryFailure, "mcrypt_generic failed (\(result))")
        }
    }

    private static func openModule() -> OpaquePointer? {
        var algorithm = Array("twofish".utf8CString)
        var mode = Array("cfb".utf8CString)
        return moduleLifecycle.withLock { _ in
            algorithm.withUnsafeMutableBufferPointer { algorithmName in
                mode.withUnsafeMutableBufferPointer { modeName in
                    mcrypt_module_open(algorithmName.baseAddress, nil, modeName.baseAddress, nil)
                }
            }
        }
    }

    private static func closeModule(_ handle: OpaquePointer) {
        moduleLifecycle.withLock { _ in
            _ = mcrypt_module_close(handle)
        }
    }
}
