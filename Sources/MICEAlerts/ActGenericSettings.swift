// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

/// The settings of act-generic (the original `mice_mod_pop_act_generic.conf`, spec §7.3.7):
/// reaction IDs with their FIFO names, analyzer IDs with their match files, the FIFO and match
/// folders, and the FIFOs' owner.
public struct ActGenericSettings: Hashable, Sendable {
    /// A reaction ID and the FIFO that serves it.
    public struct Fifo: Hashable, Sendable {
        /// The reaction ID (1…10).
        public var reactionID: Int
        /// The FIFO's path (PIPE_PATH/PIPE, or PIPE when absolute).
        public var path: String
    }

    /// The FIFOs, in RID order of the configuration.
    public var fifos: [Fifo]
    /// The mapping read from the match files.
    public var map: ReactionMap
    /// USER that owns the FIFOs (nil: the module's user).
    public var user: String?
    /// GROUP of the FIFOs (nil: the module's group).
    public var group: String?

    /// Builds the settings: RID and PIPE (parallel), ANAID and MF (parallel); relative PIPE names
    /// are under `pipePath`, relative MF names under `matchPath`; reads every match file.
    /// - Throws: ``AlertConfigError`` naming the key or match file.
    public init(
        reactionIDs: [String], pipes: [String], analyzerIDs: [String], matchFiles: [String], pipePath: String?,
        matchPath: String?, user: String? = nil, group: String? = nil
    ) throws(AlertConfigError) {
        guard reactionIDs.count == pipes.count else {
            throw AlertConfigError(
                .invalidSetting, key: "PIPE", "\(pipes.count) FIFOs for \(reactionIDs.count) reaction IDs (RID)")
        }
        guard analyzerIDs.count == matchFiles.count else {
            throw AlertConfigError(
                .invalidSetting, key: "MF", "\(matchFiles.count) match files for \(analyzerIDs.count) analyzers (ANAID)"
            )
        }
        var fifos: [Fifo] = []
        for (text, pipe) in zip(reactionIDs, pipes) {
            guard let id = Int(text.trimmingWhitespace), (1...MatchFile.maximumReactionID).contains(id) else {
                throw AlertConfigError(.invalidSetting, key: "RID", "reaction ID \"\(text)\" is not 1…10")
            }
            guard !fifos.contains(where: { $0.reactionID == id }) else {
                throw AlertConfigError(.invalidSetting, key: "RID", "reaction ID \(id) is listed twice")
            }
            guard !pipe.isEmpty, !pipe.contains("\u{0}") else {
                throw AlertConfigError(.invalidSetting, key: "PIPE", "empty FIFO name for reaction ID \(id)")
            }
            fifos.append(Fifo(reactionID: id, path: Self.join(pipePath, pipe)))
        }
        var files: [(analyzer: String, file: MatchFile)] = []
        for (analyzer, name) in zip(analyzerIDs, matchFiles) {
            files.append((analyzer, try MatchFile.load(path: Self.join(matchPath, name))))
        }
        self.fifos = fifos
        self.map = ReactionMap(matchFiles: files)
        self.user = user.flatMap { $0.isEmpty ? nil : $0 }
        self.group = group.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The FIFO of reaction ID `id`.
    public func fifo(for id: Int) -> Fifo? { fifos.first { $0.reactionID == id } }

    static func join(_ folder: String?, _ name: String) -> String {
        guard let folder, !folder.isEmpty, !name.hasPrefix("/") else { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
