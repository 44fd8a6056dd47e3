// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The `ModeData` union of a ``ReactionMessage``. Decoding chooses the member from `Mode`.
///
/// The 4-byte members are stored in network order: `stRetvalMsg` as the spec documents; the
/// original never sends `stShowMsg`, `stCheckMsg` or `stSupportedMsg`, and they are taken to
/// follow the protocol's `htonl` convention too.
public enum ReactionModeData: Hashable, Sendable {
    /// `stExecMsg` (`MID_EXEC`).
    case exec(ExecMessage)
    /// `stShowMsg {u_int show}` (`MID_SHOW`).
    case show(UInt32)
    /// `stCheckMsg {u_int function_id}` (`MID_CHECK`).
    case check(functionID: UInt32)
    /// `stRetvalMsg {int ret_val}` (`MID_RETVAL`): one of the `RID_*` codes.
    case retval(Int32)
    /// `stSupportedMsg {u_int supported}` (`MID_SUPPORTED`).
    case supported(UInt32)
    /// Any other mode (`MID_ALL`'s pointer array, unknown modes): the union's bytes without
    /// trailing zeros, zero-padded when encoded.
    case raw([UInt8])
}
