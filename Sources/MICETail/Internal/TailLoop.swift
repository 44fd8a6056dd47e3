// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The reader thread's loop: waits in `poll` for inotify events, stream input, the wake-up pipe
/// or the next sweep, and has the engine check the paths concerned.
final class TailLoop: @unchecked Sendable {
    // @unchecked Sendable: created on the starting thread, then used only by the reader thread.
    let engine: TailEngine
    let inotify: Inotify?
    let wakeFd: Int32
    let interval: Duration
    let logger: Logger
    // Folder → watch descriptor, and back.
    private var folderWatches: [String: Int32] = [:]
    private var watchedFolders: [Int32: String] = [:]
    private let pathsByFolder: [String: [Int]]

    init(engine: TailEngine, inotify: Inotify?, wakeFd: Int32, interval: Duration, logger: Logger) {
        self.engine = engine
        self.inotify = inotify
        self.wakeFd = wakeFd
        self.interval = interval
        self.logger = logger
        var byFolder: [String: [Int]] = [:]
        for (index, watched) in engine.paths.enumerated() { byFolder[watched.folder, default: []].append(index) }
        pathsByFolder = byFolder
    }

    func run(isStopping: () -> Bool) {
        let all = Set(engine.paths.indices)
        var dirty = all
        var isSweep = true
        var nextSweep = ContinuousClock.now
        while !isStopping() && !engine.isAborted {
            if isSweep {
                watchFolders()
                nextSweep = ContinuousClock.now + interval
            }
            var again: Set<Int> = []
            for index in dirty.sorted() {
                if engine.check(index, isSweep: isSweep) { again.insert(index) }
                if engine.isAborted || isStopping() { break }
            }
            if engine.isAborted || isStopping() { break }
            let open = engine.paths.filter { $0.current != nil }.count
            engine.statistics.withLock { statistics in
                statistics.openFiles = open
                if isSweep { statistics.sweeps += 1 }
            }
            dirty = again
            isSweep = false
            // Poll until something happens, the next sweep is due, or at once when data is left.
            var descriptors = [pollfd(fd: wakeFd, events: Int16(POLLIN), revents: 0)]
            if let inotify { descriptors.append(pollfd(fd: inotify.fd, events: Int16(POLLIN), revents: 0)) }
            let streams = engine.streamDescriptors
            for stream in streams { descriptors.append(pollfd(fd: stream.fd, events: Int16(POLLIN), revents: 0)) }
            // Rotated files are checked at least every 100 ms so that their grace ends on time.
            let retiring = engine.paths.indices.contains { engine.hasRetiring($0) }
            var wait = nextSweep - ContinuousClock.now
            if retiring && wait > .milliseconds(100) { wait = .milliseconds(100) }
            let timeout = dirty.isEmpty ? max(0, Int32(clamping: wait.milliseconds)) : 0
            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            if ready < 0 && errno != EINTR {
                logger.error("poll failed", metadata: ["tail.error": "\(SystemError.message(errno))"])
                return
            }
            if descriptors[0].revents != 0 { drainWakePipe() }
            var slot = 1
            if let inotify {
                if descriptors[slot].revents != 0 { dirty.formUnion(paths(for: inotify.readEvents())) }
                slot += 1
            }
            for stream in streams {
                if descriptors[slot].revents != 0 { dirty.insert(stream.index) }
                slot += 1
            }
            if retiring {
                for index in engine.paths.indices where engine.hasRetiring(index) { dirty.insert(index) }
            }
            if ContinuousClock.now >= nextSweep {
                dirty = all
                isSweep = true
            }
        }
        engine.finish()
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while buffer.withUnsafeMutableBytes({ read(wakeFd, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// Adds inotify watches for folders that have none yet (or lost theirs).
    private func watchFolders() {
        guard let inotify else { return }
        for folder in pathsByFolder.keys where folderWatches[folder] == nil {
            if let watch = inotify.watch(folder: folder) {
                folderWatches[folder] = watch
                watchedFolders[watch] = folder
            }
        }
    }

    /// The paths an inotify batch concerns.
    private func paths(for events: [Inotify.Event]) -> Set<Int> {
        var result: Set<Int> = []
        for event in events {
            if event.watch < 0 || event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
                return Set(engine.paths.indices)
            }
            guard let folder = watchedFolders[event.watch], let indices = pathsByFolder[folder] else { continue }
            if event.mask & UInt32(IN_IGNORED) != 0 {
                // The folder is gone; the next sweep watches it again once it is back.
                watchedFolders[event.watch] = nil
                folderWatches[folder] = nil
                result.formUnion(indices)
                continue
            }
            for index in indices
            where event.name.isEmpty || event.name == engine.paths[index].name || engine.hasRetiring(index) {
                result.insert(index)
            }
        }
        return result
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
