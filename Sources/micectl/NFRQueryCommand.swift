// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import ArgumentParser
import Foundation
import MICENFR

/// `micectl nfr query BACKEND [--html]`: what a backend's recorder wrote, as the seed's GUI query.
struct NFRQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Show what a backend recorded (the seed's Display as Text or as HTML).",
        discussion: """
            BACKEND is PACKAGE/BACKEND or a backend name unique in the home. Rows come from every data \
            set under the backend's archive path, oldest first; times are UTC.
            """
    )

    @Argument(help: "The backend (PACKAGE/BACKEND or BACKEND).")
    var backend: String

    @Option(name: .long, help: "The NFR home folder.")
    var home = "."

    @Flag(name: .long, help: "Print an HTML document instead of text.")
    var html = false

    func run() throws {
        let nfrHome = try NFRHome(path: home)
        guard let (package, found) = nfrHome.backend(named: backend) else {
            throw ValidationError("no backend \(backend) in \(home)/packages (or the name is ambiguous)")
        }
        let settings = try RecorderSettings(config: found.config)
        let root = settings.archiveRoot(home: home, package: package.name, backend: found.name)
        let query = try RecorderQuery(root: root)
        let title = found.config.title ?? "\(package.name)/\(found.name)"
        FileHandle.standardOutput.write(Data((html ? query.html(title: title) : query.text()).utf8))
    }
}
