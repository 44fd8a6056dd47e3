// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICEAlerts
import MICECrypto
import MICEPluginKit
import MICERecords
import MICETLS

/// Builds and sends one stCipherRctMsg per alert and reads the daemon's MID_RETVAL answer.
struct ReactionClient: Sendable {
    let template: String
    let functionID: UInt32
    let port: Int
    let architecture: ReactionArchitecture
    let cipher: LegacyTwofish?
    let targetHost: String?
    let timeoutSeconds: Int
    /// Mutual TLS to the daemon (its AUTH = tls), nil for the legacy plaintext socket.
    let tls: TLSIdentity?

    func react(to record: RIDMsgFormat) {
        let alert = IdmefParser.parse(record.idmefMessage).alerts.first
        let alertID = String(decoding: record.alertID, as: UTF8.self)
        guard let host = targetHost ?? alert?.source.address, Self.isAddress(host) else {
            PluginLog.error("alert \(alertID): no usable source address in the IDMEF; no reaction sent")
            return
        }
        let values: [String: String?] = [
            "{source}": alert?.source.address, "{target}": alert?.target.address, "{alertid}": alertID,
            "{rid}": String(record.reactionID), "{analyzer}": alert?.analyzerID,
        ]
        var arguments = template
        for (placeholder, value) in values where arguments.contains(placeholder) {
            guard let value, Self.isToken(value) else {
                PluginLog.error("alert \(alertID): \(placeholder) is missing or not a plain token; no reaction sent")
                return
            }
            arguments = arguments.replacingOccurrences(of: placeholder, with: value)
        }
        guard arguments.utf8.count <= ExecMessage.MAX_ARGSTRG_SIZE else {
            PluginLog.error("alert \(alertID): arguments longer than 1024 bytes; no reaction sent")
            return
        }
        let message = ReactionMessage(
            timestamp: UInt32(truncatingIfNeeded: time(nil)), mode: ReactionMessage.MID_EXEC,
            modeData: .exec(
                ExecMessage(
                    alertID: Array(record.alertID.prefix(RIDMsgFormat.RIDMSG_MAX_ALERTID)),
                    reactionID: UInt32(bitPattern: record.reactionID), functionID: functionID, numberOfArgs: 1,
                    argFormatString: Array(arguments.utf8))))
        let plain = message.encode(architecture: architecture)
        let envelope: CipherMsg
        if let cipher {
            let iv = LegacyTwofish.makeIV()
            guard let encrypted = try? cipher.encrypt(plain, iv: iv) else {
                PluginLog.error("alert \(alertID): encryption failed; no reaction sent")
                return
            }
            envelope = CipherMsg(ivLength: UInt32(LegacyTwofish.ivSize), iv: iv, payload: encrypted)
        } else {
            envelope = CipherMsg.plaintext(plain)
        }
        do {
            let answer = try exchange(envelope.encode(), host: host)
            let reply = try CipherMsg(decoding: answer, innerSize: architecture.messageSize)
            let inner = reply.isEncrypted ? try cipher?.decrypt(reply.payload, iv: reply.iv) ?? [] : reply.payload
            guard case .valid = try ReactionMessage.verifyChecksum(of: inner, architecture: architecture) else {
                PluginLog.error("alert \(alertID): \(host):\(port) answered with a bad checksum")
                return
            }
            let decoded = try ReactionMessage(decoding: inner, architecture: architecture)
            if case .retval(let value) = decoded.modeData {
                let name = ReactionMessage.returnValueName(value) ?? String(value)
                PluginLog.info("alert \(alertID): reaction FID \(functionID) on \(host): \(name)")
            } else {
                PluginLog.warning("alert \(alertID): \(host) answered mode \(decoded.mode), not MID_RETVAL")
            }
        } catch {
            PluginLog.error("alert \(alertID): reaction to \(host):\(port) failed: \(error)")
        }
    }

    /// Connects, sends `bytes`, reads one envelope of the same size; one connection per reaction.
    private func exchange(_ bytes: [UInt8], host: String) throws -> [UInt8] {
        if let tls {
            return try TLSExchange.exchange(
                bytes, answerSize: bytes.count, host: host, port: port, identity: tls,
                timeout: .seconds(timeoutSeconds))
        }
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
            throw ReactionClientError("cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        let socket = Glibc.socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw ReactionClientError("socket: \(String(cString: strerror(errno)))") }
        defer { close(socket) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(socket, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            throw ReactionClientError("connect: \(String(cString: strerror(errno)))")
        }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes {
                send(socket, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { throw ReactionClientError("send: \(String(cString: strerror(errno)))") }
            offset += count
        }
        var answer = [UInt8](repeating: 0, count: bytes.count)
        offset = 0
        while offset < answer.count {
            let count = answer.withUnsafeMutableBytes { recv(socket, $0.baseAddress! + offset, $0.count - offset, 0) }
            guard count > 0 else {
                throw ReactionClientError(count == 0 ? "connection closed before the answer" : "no answer in time")
            }
            offset += count
        }
        return answer
    }

    static func isToken(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                    || byte == 46 || byte == 58 || byte == 95 || byte == 45
            }
    }

    static func isAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

/// A reaction request that could not be delivered or answered.
struct ReactionClientError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
