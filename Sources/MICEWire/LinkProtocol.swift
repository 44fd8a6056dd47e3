// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Constants of the daemon-to-daemon link protocol in acknowledged mode (docs/link-protocol.md).
///
/// A link carries fixed-size records from a sender (DataForwarder, analysis agent) to a receiver
/// (BufferDaemon). It uses the frame format of the module protocol (``FrameHeader``, ``FrameDecoder``)
/// with its own frame types: ``FrameType/linkHello``, ``FrameType/linkReady``, ``FrameType/record``,
/// ``FrameType/ack``, and ``FrameType/error`` with an ``ErrorMessage`` payload.
public enum LinkProtocol {
    /// The value of LINK_HELLO's `protocol` member.
    public static let magic = "mice-link"
    /// Protocol versions this build speaks, newest last.
    public static let supportedVersions: [Int] = [1]
    /// The largest control payload (LINK_HELLO, LINK_READY, ERROR) a side accepts.
    public static let maxControlBytes = 64 << 10
    /// The largest record a link may carry (an encoded record plus envelope stays far below this).
    public static let maxRecordBytes = 1 << 20
}

/// Codes of the ERROR frame on a link. 1–99 belong to the protocol, as in ``PluginErrorCode``.
public enum LinkErrorCode {
    /// No protocol version in common.
    public static let incompatibleVersion = 1
    /// LINK_HELLO is missing, malformed or names another protocol.
    public static let badHello = 2
    /// A frame that is not valid in this state.
    public static let unexpectedFrame = 5
    /// A frame above the limit.
    public static let frameTooLarge = 6
    /// The receiver failed; the sender reconnects later.
    public static let internalError = 7
    /// LINK_HELLO's record size is not the receiver's, or a RECORD payload has another size.
    public static let recordSizeMismatch = 20
    /// LINK_HELLO names a link this receiver does not serve.
    public static let unknownLink = 21
    /// A RECORD frame with sequence number 0.
    public static let badSequence = 22
    /// The receiver is shutting down; the sender reconnects later.
    public static let shuttingDown = 23
}
