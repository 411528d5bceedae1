import ArgumentParser
import CountBins
import Foundation
import PassantConfig

/// `passant config check`: every problem of a configuration file, with its line and key.
struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the configuration file.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a configuration file and print every problem with its line and key.",
            discussion: "Exit status 0 when the file is usable, 1 when it is not.")

        @Argument(help: "The configuration file (default: --config, or /etc/passant/passant.yaml).")
        var file: String?

        @OptionGroup var options: ConfigOptions

        @Flag(help: "Print the result as one JSON object.")
        var json = false

        func run() throws {
            let path = file ?? options.config ?? PassantConfig.Configuration.defaultPath
            let problems: [ConfigurationError]
            var summary = ""
            var warnings: [String] = []
            do {
                let configuration = try PassantConfig.Configuration.load(path: path, defaultNode: hostName())
                problems = []
                summary =
                    "\(path): usable — site \(configuration.site), node \(configuration.node), \(configuration.sensors.count) sensor(s), \(configuration.uplinks.count) uplink(s), \(configuration.binLength.rawValue) s bins"
                summary += "\n" + Self.privacy(configuration.privacy)
                warnings = Self.warnings(configuration)
                if let exposure = configuration.fileExposureWarning(path: path) { warnings.append(exposure) }
                warnings += configuration.cleartextSecretWarnings
            } catch {
                problems = error.errors
            }
            if json {
                let object: [String: Any] = [
                    "file": path, "usable": problems.isEmpty,
                    "problems": problems.map { problem in
                        ["line": problem.line as Any, "key": problem.key, "message": problem.message]
                    },
                    "warnings": warnings,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else if problems.isEmpty {
                print(summary)
                for warning in warnings { print("warning: \(warning)") }
            } else {
                for problem in problems { print(problem) }
                print("\(problems.count) problem(s); passantd would refuse this file (exit status 78)")
            }
            if !problems.isEmpty { throw ExitCode(1) }
        }

        /// The site's privacy policy in a line (see PRIVACY.md and `passant privacy audit`).
        static func privacy(_ policy: PrivacyPolicy) -> String {
            guard policy.isActive else {
                return "privacy: bins are stored and sent as counted (no minimum_count, no noise)"
            }
            var parts: [String] = []
            if policy.minimumCount > 1 {
                parts.append("counts below \(policy.minimumCount) published as 0 and flagged suppressed")
            }
            if let epsilon = policy.epsilon, let variance = policy.noiseVariance {
                parts.append(
                    "geometric noise with epsilon \(epsilon) per count (standard deviation "
                        + String(format: "%.2f", variance.squareRoot()) + ")")
            }
            return "privacy: " + parts.joined(separator: "; ")
        }

        /// Things that parse but will not work on this machine: secrets from unset variables or
        /// unreadable files, ports that do not exist.
        static func warnings(_ configuration: PassantConfig.Configuration) -> [String] {
            var warnings: [String] = []
            let environment = ProcessInfo.processInfo.environment
            for sensor in configuration.sensors {
                for port in sensor.ports
                where port.hasPrefix("/") && !FileManager.default.fileExists(atPath: port) {
                    warnings.append("sensor \(sensor.name): \(port) does not exist (not plugged in?)")
                }
            }
            for uplink in configuration.uplinks {
                for (what, secret) in uplink.secrets {
                    if case .failure(let error) = secret.resolve(environment: environment) {
                        warnings.append("uplink \(uplink.name): \(what): \(error.message)")
                    }
                }
            }
            return warnings
        }
    }
}
