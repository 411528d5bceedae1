import Control
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Serves the local control socket for `passant status`, `monitor`, `walk-test` and `node`: status,
/// the live feed, and requests to the sensors. Owner-group only, never on the network. A daemon
/// that cannot make its socket (no runtime directory outside systemd) goes on counting without it.
struct ControlService: Service {
    let path: String
    let status: StatusSource
    let live: LiveFeed
    let nodes: NodeDesk
    let calibrations: CalibrationDesk
    let tap: PortTap
    let logger: Logger

    func run() async throws {
        let server: ControlServer
        do {
            server = try ControlServer(path: path)
        } catch {
            logger.warning("no control socket: \(error); passant status and monitor cannot reach this daemon")
            try? await gracefulShutdown()
            return
        }
        logger.info("control socket \(path)")
        let stopping = StopSignal()
        let handler = Handler(
            status: status, live: live, nodes: nodes, calibrations: calibrations, tap: tap, stopping: stopping)
        await withTaskCancellationOrGracefulShutdownHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let thread = Thread {
                    server.serve { request, connection in handler.handle(request, connection) }
                    done.resume()
                }
                thread.name = "control socket"
                thread.start()
            }
        } onCancelOrGracefulShutdown: {
            stopping.raise()
            server.close()
        }
    }
}

/// Answers one request on its connection's thread.
private struct Handler: Sendable {
    let status: StatusSource
    let live: LiveFeed
    let nodes: NodeDesk
    let calibrations: CalibrationDesk
    let tap: PortTap
    let stopping: StopSignal

    func handle(_ request: ControlRequest, _ connection: ControlConnection) {
        let sensors = status.configuration.sensors.map(\.name)
        if let sensor = request.sensor, !sensors.contains(sensor) {
            connection.send(
                ControlReply(
                    error: "no sensor '\(sensor)' here; configured: \(sensors.joined(separator: ", "))"))
            return
        }
        switch request.command {
        case .status:
            connection.send(ControlReply(status: status.report(withToday: true)))
        case .watch:
            live.stream(sensor: request.sensor, to: connection) { stopping.isRaised }
        case .node:
            connection.send(node(request))
        case .reload:
            connection.send(calibrations.reload(sensor: request.sensor))
        case .listen:
            connection.send(listen(request))
        }
    }

    /// `passant calibrate` while passantd runs: what one sensor's ports send for a while.
    private func listen(_ request: ControlRequest) -> ControlReply {
        guard let name = request.sensor, let sensor = status.configuration.sensors.first(where: { $0.name == name })
        else { return ControlReply(error: "name the sensor to listen to") }
        do {
            let captures = try tap.listen(name, ports: sensor.ports.count, seconds: request.seconds ?? 20)
            return ControlReply(captures: captures.map { Data($0).base64EncodedString() })
        } catch {
            return ControlReply(error: "\(error)")
        }
    }

    /// `passant node get|set|save` for one PCNT sensor.
    private func node(_ request: ControlRequest) -> ControlReply {
        let pcnt = status.configuration.sensors.filter { $0.protocol == .pcnt }.map(\.name)
        guard let sensor = request.sensor ?? (pcnt.count == 1 ? pcnt[0] : nil) else {
            return ControlReply(error: "name the sensor (PCNT sensors here: \(pcnt.joined(separator: ", ")))")
        }
        guard pcnt.contains(sensor) else { return ControlReply(error: "\(sensor) is not a PCNT counter node") }
        guard let action = request.action.flatMap(NodeCommands.Action.init(rawValue:)) else {
            return ControlReply(error: "node action must be get, set or save")
        }
        do {
            return ControlReply(
                node: try nodes.exchange(sensor: sensor, action: action, parameters: request.parameters ?? [:]))
        } catch {
            return ControlReply(error: error.message)
        }
    }
}
