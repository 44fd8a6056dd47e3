// SPDX-License-Identifier: Apache-2.0
// M-ICE: Modular Intrusion Detection and Countermeasure Environment

import Foundation
import MICETestSupport
import Testing

/// `micectl nfr test`, run as a process, as the seed runs bin/test-nfrd.
@Suite("micectl nfr test, end to end", .timeLimit(.minutes(1)))
struct NFRCommandTests {
    func write(_ scratch: Scratch, _ name: String, _ text: String) throws -> String {
        _ = scratch.folder("packages/id")
        return try scratch.write("packages/id/\(name)", text)
    }

    @Test("the seed's first stage prints the list, exactly")
    func firstStage() async throws {
        let scratch = try Scratch("nfr-test")
        defer { scratch.remove() }
        let file = try write(
            scratch, "new_badhosts.nfr",
            """
            badhosts = [ 10.0.0.255, 10.0.1.255, 10.0.2.255, 10.0.255.255 ] ;
            echo ( "This is badhosts: ", badhosts, "\\n" ) ;

            """)
        let outcome = try await PluginsCommandTests().micectl(["nfr", "test", file])
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "This is badhosts: [10.0.0.255,10.0.1.255,10.0.2.255,10.0.255.255]\n")
        #expect(outcome.stderr == "")
    }

    @Test("a syntax error exits 1 with file:line:column")
    func syntaxError() async throws {
        let scratch = try Scratch("nfr-test")
        defer { scratch.remove() }
        let file = try write(
            scratch, "broken.nfr", "echo ( \"first\\n\" ) ;\nbadhosts = [ 10.0.0.255 ]\necho ( 1 ) ;\n")
        let outcome = try await PluginsCommandTests().micectl(["nfr", "test", file])
        #expect(outcome.status == 1)
        #expect(outcome.stdout == "")
        #expect(outcome.stderr == "\(file):3:1: expected ';' after the statement, found 'echo'\n")
    }

    @Test("recorder and alert calls are notes on stderr; runtime errors do not change the exit status")
    func notes() async throws {
        let scratch = try Scratch("nfr-test")
        defer { scratch.remove() }
        let package = try write(scratch, "id.nfr", "my_networks = [ 10.0.0.0:255.0.0.0 ] ;\n")
        let backend = try write(
            scratch, "b.nfr",
            """
            ctx = alertContext(5) ;
            s = library_schema:new ( 1, [ "time", "ip" ], scope() ) ;
            r = recorder ( "bin/list packages/id/b.cfg", "s" ) ;
            record system.time, 10.0.0.1 to r ;
            alert ( _:SRC, _:ALERT, ctx, 10.0.0.1 inside my_networks ) ;
            echo ( 1 + "x", "\\n" ) ;

            """)
        let outcome = try await PluginsCommandTests().micectl(["nfr", "test", "--time", "42", package, backend])
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "error(cannot apply '+' to int and string)\n")
        #expect(
            outcome.stderr == """
                \(backend):1: alertContext(5) (test mode)
                \(backend):3: recorder "bin/list packages/id/b.cfg" with schema s = schema(id:b,[time,ip]) (test mode: not created)
                \(backend):4: record 42, 10.0.0.1 to recorder(2) (test mode)
                \(backend):5: alert SRC ALERT alertContext(1): 1 (test mode)
                \(backend):6: error: cannot apply '+' to int and string

                """)
    }
}
