// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// Records whose text fields are byte arrays get String access through `record[text: \.field]`.
///
/// Reading decodes UTF-8 and replaces invalid sequences with U+FFFD, so it is for display and
/// tests; code that must keep the bytes exactly uses the `[UInt8]` property itself.
public protocol TextFieldAccessible {}

extension TextFieldAccessible {
    /// A byte field as a String (invalid UTF-8 repaired when read; written as UTF-8).
    public subscript(text field: WritableKeyPath<Self, [UInt8]>) -> String {
        get { String(decoding: self[keyPath: field], as: UTF8.self) }
        set { self[keyPath: field] = Array(newValue.utf8) }
    }
}
