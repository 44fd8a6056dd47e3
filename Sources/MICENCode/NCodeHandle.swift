// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// An object the host made for the program (a recorder, an alert context), named by kind and id.
public struct NCodeHandle: Hashable, Sendable {
    /// `recorder`, `alertContext` or whatever the host chose.
    public var kind: String
    /// The host's identifier for it.
    public var id: Int

    public init(kind: String, id: Int) {
        self.kind = kind
        self.id = id
    }
}
