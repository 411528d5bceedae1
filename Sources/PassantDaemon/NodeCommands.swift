import Control
import Foundation
import PCNT
import Synchronization

/// `passant node get|set|save` as PCNT commands, and the node's answers as `NodeParameters`. Used by
/// the daemon (through the sensor loop that owns the port) and by the CLI when the daemon is stopped.
public enum NodeCommands {
    /// What `get` asks for; a key the node does not know (`rate_hz` on an IR2 node) is left out.
    public static let readableKeys = ["node_id", "fw", "kind", "debounce_ms", "rate_hz", "emit"]

    public enum Action: String, Sendable, CaseIterable {
        case get, set, save
    }

    /// The commands for `action`, numbered from `firstRequest`.
    public static func commands(_ action: Action, parameters: [String: String], firstRequest: UInt16) -> [Command] {
        var request = firstRequest
        func next() -> UInt16 {
            defer { request &+= 1 }
            return request
        }
        switch action {
        case .get: return readableKeys.map { .query(request: next(), key: $0) }
        case .set: return parameters.keys.sorted().map { .set(request: next(), key: $0, value: parameters[$0]!) }
        case .save: return [.write(request: next())]
        }
    }

    /// The node's answers as parameters and refusals.
    public static func parameters(sensor: String, action: Action, responses: [Response]) -> NodeParameters {
        var result = NodeParameters(sensor: sensor, values: [:])
        for response in responses {
            if response.ok {
                if action == .save && response.key == "saved" {
                    result.saved = response.value == "1"
                } else {
                    result.values[response.key] = response.value
                }
            } else if !(action == .get && response.value == "unknown-key") {
                result.refused[response.key] = response.value
            }
        }
        return result
    }
}

/// Commands for the nodes, handed from control connections to the sensor loops that own the ports,
/// and the answers back. A loop writes a sensor's commands on its next turn and hands over every `R`
/// its counter decoded; the asking thread waits for the answers to its own request ids.
final class NodeDesk: Sendable {
    private struct Desk {
        var outgoing: [String: [Command]] = [:]
        var answers: [UInt16: Response] = [:]
        var nextRequest: UInt16 = 1
        /// Why a sensor's commands could not be sent (its port is closed…), by request.
        var failures: [UInt16: String] = [:]
    }

    private let desk = Mutex(Desk())
    private let answered = NSCondition()

    /// Sends the commands of `action` to `sensor`'s node and waits up to `timeout` for every answer.
    func exchange(
        sensor: String, action: NodeCommands.Action, parameters: [String: String], timeout: Double = 3
    ) throws(ControlError) -> NodeParameters {
        let commands = desk.withLock { desk in
            let commands = NodeCommands.commands(action, parameters: parameters, firstRequest: desk.nextRequest)
            desk.nextRequest &+= UInt16(commands.count)
            if desk.nextRequest == 0 { desk.nextRequest = 1 }
            desk.outgoing[sensor, default: []].append(contentsOf: commands)
            return commands
        }
        let wanted = Set(commands.map(\.request))
        let deadline = Date().addingTimeInterval(timeout)
        var responses: [Response] = []
        while true {
            let (found, failure) = desk.withLock { desk -> ([Response], String?) in
                var failure: String?
                for request in wanted {
                    if let reason = desk.failures.removeValue(forKey: request) { failure = reason }
                }
                let found = wanted.compactMap { desk.answers[$0] }
                return (found, failure)
            }
            if let failure {
                desk.withLock { desk in
                    for request in wanted { desk.answers[request] = nil }
                }
                throw ControlError(.failed, failure)
            }
            responses = found
            if found.count == wanted.count || Date() >= deadline { break }
            answered.lock()
            _ = answered.wait(until: min(deadline, Date().addingTimeInterval(0.2)))
            answered.unlock()
        }
        desk.withLock { desk in
            for request in wanted { desk.answers[request] = nil }
            desk.outgoing[sensor]?.removeAll { wanted.contains($0.request) }
        }
        if responses.isEmpty {
            throw ControlError(
                .failed,
                "the node of \(sensor) did not answer within \(Int(timeout)) s; is it a PCNT node, powered and connected?")
        }
        return NodeCommands.parameters(
            sensor: sensor, action: action, responses: responses.sorted { $0.request < $1.request })
    }

    /// For the sensor loop: the commands to write now.
    func takeOutgoing(_ sensor: String) -> [Command] {
        desk.withLock { $0.outgoing.removeValue(forKey: sensor) ?? [] }
    }

    /// For the sensor loop: the commands could not be written.
    func failed(_ commands: [Command], _ reason: String) {
        desk.withLock { desk in for command in commands { desk.failures[command.request] = reason } }
        wake()
    }

    /// For the sensor loop: answers its counter decoded.
    func deliver(_ responses: [Response]) {
        if responses.isEmpty { return }
        desk.withLock { desk in
            for response in responses { desk.answers[response.request] = response }
            // Answers nobody waits for (a node answering late) must not pile up.
            if desk.answers.count > 256 { desk.answers.removeAll() }
        }
        wake()
    }

    private func wake() {
        answered.lock()
        answered.broadcast()
        answered.unlock()
    }
}
