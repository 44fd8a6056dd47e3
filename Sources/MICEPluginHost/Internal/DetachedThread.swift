// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// Starts dedicated OS threads for blocking pipe I/O and `waitpid`.
///
/// The style guide prefers no bare threads; blocking `read`, `poll` and `waitid` calls are the
/// exception it allows ("a dedicated thread wrapped in an async API"): they must never run on
/// the cooperative pool. Every thread started here ends on its own (end of file on its pipe, or
/// the exit of its process), so none is joined.
enum DetachedThread {
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Runs `body` on a new detached thread with a 512 KiB stack.
    /// - Returns: false when the thread could not be created.
    @discardableResult
    static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, 512 * 1024)
        var thread = pthread_t()
        let rc = pthread_create(
            &thread,
            &attributes,
            { raw in
                guard let raw else { return nil }
                let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
                box.body()
                return nil
            },
            box
        )
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        return true
    }
}
