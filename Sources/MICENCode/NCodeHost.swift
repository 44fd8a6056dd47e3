// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// What a running N-Code program asks of the engine around it.
///
/// All calls come from the thread running the program; values passed in never point into
/// packet memory (blobs are copied).
public protocol NCodeHost: AnyObject {
    /// `echo`'s output, already formatted (no newline added).
    func echo(_ text: [UInt8])
    /// `recorder(spec, schemaName)`: `schema` is the value of the global named `schemaName` (null when unset).
    func makeRecorder(spec: String, schemaName: String, schema: NCodeValue, origin: NCodeOrigin) throws -> NCodeValue
    /// `record v1, v2, ... to recorder;`.
    func record(_ values: [NCodeValue], to recorder: NCodeValue, origin: NCodeOrigin)
    /// `alertContext(seconds)`.
    func makeAlertContext(seconds: Int, origin: NCodeOrigin) -> NCodeValue
    /// `alert(_:SOURCE, _:ALERT, context, arguments...)`: names without the `_:`.
    func alert(source: String, alert: String, context: NCodeValue, arguments: [NCodeValue], origin: NCodeOrigin)
    /// A runtime problem (a failed operation, an exceeded budget); each call site reports once.
    func diagnostic(_ message: String, origin: NCodeOrigin)
}
