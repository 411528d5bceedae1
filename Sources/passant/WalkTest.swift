import ArgumentParser
import Control
import Foundation
import PassantConfig

/// `passant walk-test --expect N`: the technician walks N times one way, then N times back; the tool
/// shows each crossing, compares the totals with what was walked, and says when the directions are
/// swapped (and swaps the labels in the configuration if asked).
struct WalkTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "walk-test",
        abstract: "Prove a sensor counts right: walk N times one way, then N times back.",
        discussion: """
            Walk N times in the direction counted as the sensor's a_to_b label, then N times back. \
            Each crossing is shown as it is detected. The test ends after 2N crossings, or after \
            --timeout seconds. Exit status 0 when the counts match and the directions are right.
            """)

    @OptionGroup var options: ConfigOptions
    @OptionGroup var socket: SocketOptions

    @Option(name: .customLong("expect"), help: "How many times you walk each way.")
    var walks: Int

    @Option(help: "The sensor (default: the only one).")
    var sensor: String?

    @Option(help: "Give up after this many seconds.")
    var timeout: Double = 600

    @Flag(help: "If the directions are swapped, swap the sensor's labels in the configuration file.")
    var swapLabels = false

    @Flag(help: "Print the result as one JSON object at the end.")
    var json = false

    func validate() throws {
        guard (1...100).contains(walks) else {
            throw ValidationError("--expect must be 1 to 100 walks each way")
        }
    }

    func run() throws {
        let configPath = options.config ?? PassantConfig.Configuration.defaultPath
        let configuration = try? loadConfiguration(configPath)
        let name = sensor ?? configuration.flatMap { $0.sensors.count == 1 ? $0.sensors[0].name : nil }
        guard let name else {
            throw ValidationError("name the sensor with --sensor")
        }
        let labels = configuration?.sensors.first { $0.name == name }?.labels ?? DirectionLabels()
        let source = LiveSource(socketPath: try socket.path(config: options.config), configPath: configPath)
        let deadline = Date().addingTimeInterval(timeout)
        var crossings: [String] = []
        try source.run(
            sensor: name,
            started: { origin in
                if !json {
                    print("walk-test on \(name), from \(origin)")
                    print(
                        "Walk \(walks) times in the direction counted as \"\(labels.aToB)\" (a_to_b), then \(walks) times back (\"\(labels.bToA)\").\n"
                    )
                }
                fflush(nil)
            },
            tick: { Date() < deadline },
            each: { message in
                guard message.kind == .crossing, let direction = message.direction else { return true }
                crossings.append(direction)
                if !json {
                    print("  \(crossings.count)\t\(message.label ?? direction) (\(direction))")
                    fflush(nil)
                }
                return crossings.count < 2 * walks
            })
        let result = WalkTestResult(crossings: crossings, walks: walks)
        if json {
            let object: [String: Any] = [
                "sensor": name, "expected_each_way": walks, "a_to_b": result.aToB, "b_to_a": result.bToA,
                "crossings": crossings, "swapped": result.swapped, "passed": result.passed,
            ]
            print(
                String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
                    as: UTF8.self))
        } else {
            print(
                "\n\(labels.aToB) (a_to_b): \(result.aToB) of \(walks) · \(labels.bToA) (b_to_a): \(result.bToA) of \(walks)"
            )
            if crossings.count < 2 * walks {
                print("Stopped after \(Int(timeout)) s with \(crossings.count) of \(2 * walks) crossings.")
            }
            if result.swapped {
                print(
                    "The directions are swapped: walking towards \"\(labels.aToB)\" was counted as \"\(labels.bToA)\"."
                )
            } else if result.passed {
                print("PASSED: the sensor counts every walk, in the right direction.")
            } else {
                print("FAILED: \(result.missed) walk(s) not counted as walked, \(result.extra) extra.")
            }
        }
        if result.swapped {
            if swapLabels {
                try ConfigEdit.swapLabels(sensor: name, in: configPath)
                print(
                    "Swapped the labels of \(name) in \(configPath); restart passantd to apply (sudo systemctl restart passantd)."
                )
            } else if !json {
                print("Run again with --swap-labels to swap them in \(configPath).")
            }
        }
        if !result.passed { throw ExitCode(1) }
    }
}

/// What a walk test found: the first N crossings should be a_to_b, the next N b_to_a.
struct WalkTestResult {
    var aToB = 0
    var bToA = 0
    /// Crossings in the direction walked, and in the opposite one.
    var asWalked = 0
    var opposite = 0
    var walks: Int
    var total: Int

    init(crossings: [String], walks: Int) {
        self.walks = walks
        total = crossings.count
        for (index, direction) in crossings.enumerated() {
            if direction == "a_to_b" { aToB += 1 } else { bToA += 1 }
            let walked = index < walks ? "a_to_b" : "b_to_a"
            if direction == walked { asWalked += 1 } else { opposite += 1 }
        }
    }

    /// Most crossings went the other way from what was walked.
    var swapped: Bool { opposite > asWalked }
    var passed: Bool { !swapped && aToB == walks && bToA == walks && opposite == 0 }
    var missed: Int { max(0, 2 * walks - asWalked) }
    var extra: Int { max(0, total - 2 * walks) }
}
