// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking inotify instance that watches folders.
final class Inotify {
    /// One event: the watch, its mask, and the name of the entry in the folder (empty for the
    /// folder itself).
    struct Event {
        var watch: Int32
        var mask: UInt32
        var name: [UInt8]
    }

    /// What a folder watch reports: changes to the files in it, and to the folder itself.
    static let folderMask: UInt32 =
        UInt32(IN_MODIFY) | UInt32(IN_CREATE) | UInt32(IN_DELETE) | UInt32(IN_MOVED_FROM) | UInt32(IN_MOVED_TO)
        | UInt32(IN_ATTRIB) | UInt32(IN_CLOSE_WRITE) | UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF)

    let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// Opens an instance; nil when the kernel refuses (no inotify, limit of instances reached).
    init?() {
        let fd = inotify_init1(Int32(IN_NONBLOCK) | Int32(IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Watches a folder; returns the watch descriptor or nil (errno says why).
    func watch(folder: String) -> Int32? {
        let watch = inotify_add_watch(fd, folder, Self.folderMask | UInt32(IN_ONLYDIR))
        return watch >= 0 ? watch : nil
    }

    /// Reads every pending event.
    /// - Returns: The events; an `IN_Q_OVERFLOW` event has watch −1.
    func readEvents() -> [Event] {
        var events: [Event] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return events }
            buffer.withUnsafeBytes { raw in
                var offset = 0
                // struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; }
                while offset + 16 <= count {
                    let watch = raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                    let mask = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameBytes = raw[(offset + 16)..<min(count, offset + 16 + length)]
                    events.append(Event(watch: watch, mask: mask, name: Array(nameBytes.prefix { $0 != 0 })))
                    offset += 16 + length
                }
            }
        }
    }
}
