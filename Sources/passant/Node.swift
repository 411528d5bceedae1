import ArgumentParser
import Control
import Foundation
import PCNT
import PassantConfig
import PassantDaemon
import SerialInput

/// `passant node get|set|save`: a PCNT counter node's parameters (debounce, emitter power, node id…),
/// through the running passantd, or on the port itself when passantd is stopped.
struct Node: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read, change or save a PCNT counter node's parameters.",
        subcommands: [Get.self, Set.self, Save.self])

    struct Common: ParsableArguments {
        @OptionGroup var options: ConfigOptions
        @OptionGroup var socket: SocketOptions

        @Option(help: "The sensor whose node to talk to (default: the only PCNT sensor).")
        var sensor: String?

        @Flag(help: "Print the answer as one JSON object.")
        var json = false

        var configPath: String { options.config ?? PassantConfig.Configuration.defaultPath }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the node's parameters.")
        @OptionGroup var common: Common
        func run() throws { try exchange(common, .get, [:]) }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change parameters in the node's RAM (`save` keeps them over a reboot).",
            discussion: "For example: passant node set debounce_ms=30 emit=3")

        @OptionGroup var common: Common

        @Argument(help: "KEY=VALUE pairs: debounce_ms (0-200), rate_hz (1-250), emit (0-3), node_id.")
        var assignments: [String]

        func validate() throws {
            guard !assignments.isEmpty else { throw ValidationError("give at least one KEY=VALUE") }
            for assignment in assignments where assignment.split(separator: "=").count != 2 {
                throw ValidationError("'\(assignment)' is not KEY=VALUE, e.g. debounce_ms=30")
            }
        }

        func run() throws {
            var parameters: [String: String] = [:]
            for assignment in assignments {
                let parts = assignment.split(separator: "=").map(String.init)
                parameters[parts[0]] = parts[1]
            }
            try exchange(common, .set, parameters)
        }
    }

    struct Save: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the node's parameters to its flash.")
        @OptionGroup var common: Common
        func run() throws { try exchange(common, .save, [:]) }
    }
}

private func exchange(_ common: Node.Common, _ action: NodeCommands.Action, _ parameters: [String: String])
    throws
{
    let client = ControlClient(path: try common.socket.path(config: common.options.config))
    let result: NodeParameters
    do {
        let reply = try client.request(
            ControlRequest(.node, sensor: common.sensor, action: action.rawValue, parameters: parameters))
        guard let node = reply.node else { throw ValidationError("passantd sent no answer from the node") }
        result = node
    } catch let error as ControlError where error.kind == .notRunning {
        result = try exchangeOnThePort(common, action, parameters)
    } catch let error as ControlError {
        throw CommandFailure(error.message)
    }
    if common.json {
        print(String(decoding: try JSONEncoder.passant.encode(result), as: UTF8.self))
    } else {
        for key in result.values.keys.sorted() { print("\(key) = \(result.values[key]!)") }
        for key in result.refused.keys.sorted() { print("\(key): refused (\(result.refused[key]!))") }
        if action == .save {
            print(result.saved ? "saved to the node's flash" : "the node did not confirm saving")
        }
    }
    if !result.refused.isEmpty || (action == .save && !result.saved) { throw ExitCode(1) }
}

/// passantd is stopped: open the node's port here and ask it directly.
private func exchangeOnThePort(
    _ common: Node.Common, _ action: NodeCommands.Action, _ parameters: [String: String]
) throws -> NodeParameters {
    let configuration = try loadConfiguration(common.configPath)
    let nodes = configuration.sensors.filter { $0.protocol == .pcnt }
    guard
        let sensor = common.sensor.flatMap({ name in nodes.first { $0.name == name } })
            ?? (common.sensor == nil && nodes.count == 1 ? nodes[0] : nil)
    else {
        throw ValidationError(
            "name a PCNT sensor with --sensor (here: \(nodes.map(\.name).joined(separator: ", ")))")
    }
    let source: any ByteSource
    do {
        source = try openSource(SourceAddress(parsing: sensor.port), baud: sensor.baud)
    } catch {
        throw ValidationError("passantd is not running, and \(error)")
    }
    defer { source.close() }
    let commands = NodeCommands.commands(action, parameters: parameters, firstRequest: 1)
    for command in commands { try source.write(command.encoded) }
    let wanted = Swift.Set(commands.map(\.request))
    var responses: [UInt16: Response] = [:]
    var decoder = PCNTDecoder()
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
    defer { buffer.deallocate() }
    let deadline = Date().addingTimeInterval(3)
    while responses.count < wanted.count && Date() < deadline {
        let count = try source.read(into: buffer, timeoutMillis: 200)
        decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) { sentence in
            if case .response(let response) = sentence.message, wanted.contains(response.request) {
                responses[response.request] = response
            }
        }
    }
    guard !responses.isEmpty else {
        throw ValidationError(
            "the node on \(sensor.port) did not answer within 3 s; is it a PCNT node, powered and connected?")
    }
    return NodeCommands.parameters(
        sensor: sensor.name, action: action, responses: responses.values.sorted { $0.request < $1.request })
}
