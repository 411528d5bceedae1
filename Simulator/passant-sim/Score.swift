// passant-sim score: how counted bins compare with the simulation's ground truth.

import ArgumentParser
import Foundation

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare counted bins (passant replay or export, JSON lines) with ground truth (--truth).",
        discussion: """
            Bins are matched by start time; both files must use the same bin length. Accuracy per \
            direction is 1 - |counted - truth| / truth over the whole run; bin-wise accuracy is \
            1 − Σ|counted − truth| / Σ truth over the bins. Two beams cannot separate people who are in \
            the beams at the same time, so the report also gives the share of people who passed alone.
            """)

    @Argument(help: "The counted bins, JSON lines ('-' for stdin).")
    var bins: String

    @Option(help: "The ground truth written by passant-sim --truth.")
    var truth: String

    @Option(help: "A label for the report line, e.g. the scenario.")
    var label: String?

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Flag(help: "Also list every bin: counted and true counts per direction.")
    var perBin = false

    func run() throws {
        let truthLines = try objects(truth)
        let countedLines = try objects(bins)
        guard let summary = truthLines.last(where: { $0["type"] as? String == "summary" }) else {
            throw ValidationError("\(truth) has no summary line; is it a passant-sim truth file?")
        }
        var truthBins: [String: (Int, Int)] = [:]
        for line in truthLines where line["type"] as? String == "bin" {
            truthBins[line["start"] as! String] = (line["a_to_b"] as! Int, line["b_to_a"] as! Int)
        }
        var countedBins: [String: (Int, Int)] = [:]
        for line in countedLines {
            guard let start = line["start"] as? String, let a = line["a_to_b"] as? Int,
                let b = line["b_to_a"] as? Int
            else { continue }
            let previous = countedBins[start] ?? (0, 0)
            countedBins[start] = (previous.0 + a, previous.1 + b)
        }
        var binError = 0
        var missing = 0
        for (start, expected) in truthBins {
            guard let counted = countedBins[start] else {
                missing += 1
                binError += expected.0 + expected.1
                continue
            }
            binError += abs(counted.0 - expected.0) + abs(counted.1 - expected.1)
        }
        let truthA = summary["a_to_b"] as? Int ?? 0
        let truthB = summary["b_to_a"] as? Int ?? 0
        let countedA = truthBins.keys.reduce(0) { $0 + (countedBins[$1]?.0 ?? 0) }
        let countedB = truthBins.keys.reduce(0) { $0 + (countedBins[$1]?.1 ?? 0) }
        let crossings = summary["crossings"] as? Int ?? truthA + truthB
        let overlapped = summary["overlapped_crossings"] as? Int ?? 0
        let turnBacks = summary["turnbacks"] as? Int ?? 0
        func accuracy(_ counted: Int, _ truth: Int) -> Double {
            truth == 0 ? (counted == 0 ? 1 : 0) : max(0, 1 - Double(abs(counted - truth)) / Double(truth))
        }
        let report: [String: Any] = [
            "label": label ?? "", "bins": truthBins.count, "missing_bins": missing,
            "truth_a_to_b": truthA, "truth_b_to_a": truthB, "counted_a_to_b": countedA,
            "counted_b_to_a": countedB,
            "accuracy_a_to_b": accuracy(countedA, truthA), "accuracy_b_to_a": accuracy(countedB, truthB),
            "accuracy": accuracy(countedA + countedB, truthA + truthB),
            "binwise_accuracy": crossings == 0 ? 1 : max(0, 1 - Double(binError) / Double(truthA + truthB)),
            "passed_alone": crossings - overlapped,
            "passed_alone_share": crossings == 0 ? 1 : Double(crossings - overlapped) / Double(crossings),
            "turnbacks": turnBacks,
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        if perBin {
            print("  bin start              a_to_b counted/truth   b_to_a counted/truth")
            for start in truthBins.keys.sorted() {
                let expected = truthBins[start]!
                let counted = countedBins[start]
                let a = counted.map { String($0.0) } ?? "-"
                let b = counted.map { String($0.1) } ?? "-"
                let mark = counted.map { $0 == expected } ?? false ? "" : "  *"
                print(
                    "  \(start)   \(pad(a)) / \(pad(String(expected.0)))        \(pad(b)) / \(pad(String(expected.1)))\(mark)"
                )
            }
        }
        func percent(_ value: Any?) -> String { String(format: "%5.1f %%", (value as? Double ?? 0) * 100) }
        print(
            """
            \(label.map { "\($0): " } ?? "")\(truthBins.count) bins\(missing > 0 ? ", \(missing) missing from the counts" : "")
                      truth  counted  accuracy
              a_to_b \(pad(truthA)) \(pad(countedA))  \(percent(report["accuracy_a_to_b"]))
              b_to_a \(pad(truthB)) \(pad(countedB))  \(percent(report["accuracy_b_to_a"]))
              both   \(pad(truthA + truthB)) \(pad(countedA + countedB))  \(percent(report["accuracy"]))   bin-wise \(percent(report["binwise_accuracy"]))
              passed alone (two beams can always separate them): \(crossings - overlapped) of \(crossings), \(percent(report["passed_alone_share"]))
              turn-backs (count nothing): \(turnBacks)
            """)
    }

    private func pad(_ value: Int) -> String { pad(String(value)) }

    private func pad(_ text: String) -> String {
        String(repeating: " ", count: max(0, 7 - text.count)) + text
    }

    private func objects(_ path: String) throws -> [[String: Any]] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read \(path)")
            }
            data = contents
        }
        var result: [[String: Any]] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw ValidationError("\(path):\(index + 1): not a JSON object")
            }
            result.append(object)
        }
        return result
    }
}
