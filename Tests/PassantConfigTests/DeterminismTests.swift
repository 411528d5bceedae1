import Foundation
import PassantConfig
import Testing

/// One text, one error list: every parse of it in a process reports the same problems in the same order
/// (by line, then key), whatever order hashed collections inside the parser or Yams happen to iterate
/// in. Swift seeds each Dictionary and Set apart, so parsing many times in one process is the test.
@Suite("Configuration errors are deterministic")
struct ConfigurationDeterminismTests {
    private func refusal(_ text: String) -> [ConfigurationError] {
        do {
            _ = try Configuration.parse(text, file: "passant.yaml", defaultNode: "gw")
            return []
        } catch {
            return error.errors
        }
    }

    private func expectSameEveryTime(_ text: String, times: Int = 300) -> [ConfigurationError] {
        let first = refusal(text)
        var differing = 0
        for _ in 1..<times where refusal(text) != first { differing += 1 }
        #expect(differing == 0, "\(differing) of \(times) parses gave another list than \(first)")
        return first
    }

    /// Fuzz/corpus/config/refusals-differ-complex-duplicate-keys.yaml (once the fuzz finding
    /// `config-refusals-differ`): complex (`? …`) and duplicated keys, which Yams refuses
    /// with a list of duplicates it orders from a Dictionary.
    @Test func theFuzzFindingIsRefusedTheSameWayEveryTime() throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let data = try Data(contentsOf: root.appendingPathComponent("Fuzz/corpus/config/refusals-differ-complex-duplicate-keys.yaml"))
        let errors = expectSameEveryTime(String(decoding: data, as: UTF8.self))
        #expect(errors.count == 1)
        #expect(errors.first?.message.hasPrefix("not valid YAML: a mapping has the same key more than once") == true)
    }

    @Test func duplicatedComplexAndTextKeysGiveOneList() {
        let text = """
            ? [a, b]
            : 1
            site: x
            ? [a, b]
            : 2
            ? {c: d}
            : 3
            site: y
            ? {c: d}
            : 4
            "1": a
            1: b
            "1": c
            1: d
            """
        let errors = expectSameEveryTime(text)
        #expect(errors.count == 1)
        #expect(errors.first?.line == nil, "no line Yams would pick at random")
        #expect(errors.first?.message.contains("'1', 'site', keys that are not text") == true)
    }

    @Test func aDuplicatedTextKeyIsNamedWithItsLine() {
        let errors = expectSameEveryTime("site: x\nnode: a\nsite: y\n", times: 20)
        #expect(errors.map(\.line) == [1])
        #expect(errors.first?.message.contains("'site'") == true)
    }

    @Test func unknownKeysAndBadValuesAreListedByLineThenKey() {
        let text = """
            site: x
            colour: blue
            bin_seconds: 61
            store:
              pth: /tmp/x
              max_mb: lots
            sensors:
              - name: b
                port: /dev/ttyUSB0
                baud: fast
                speling: 1
              - name: b
                port: /dev/ttyUSB0
            privacy:
              minimum_count: -3
              epsilon: 1
            """
        let errors = expectSameEveryTime(text)
        #expect(errors.count >= 8)
        let places = errors.map { ($0.line ?? 0, $0.key) }
        #expect(places.map(\.0) == places.map(\.0).sorted(), "by line: \(places)")
        for (a, b) in zip(places, places.dropFirst()) where a.0 == b.0 {
            #expect(a.1 <= b.1, "by key within a line: \(places)")
        }
    }
}
