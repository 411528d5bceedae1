import ArgumentParser
import Control
import Foundation

/// What `passant calibrate` asks of a running passantd: the bytes a sensor sends while the daemon holds
/// its port, and to take the new calibration (`reload`). When no passantd runs, the calibration is read
/// from the port directly and takes effect when passantd starts.
struct RunningDaemon {
    let socket: String

    /// What `sensor`'s ports send for `seconds`, one buffer per port; nil when no passantd listens.
    func listen(sensor: String, seconds: Double) throws -> [[UInt8]]? {
        do {
            let reply = try ControlClient(path: socket).request(
                ControlRequest(.listen, sensor: sensor, seconds: seconds), timeoutSeconds: seconds + 15)
            return (reply.captures ?? []).map { Array(Data(base64Encoded: $0) ?? Data()) }
        } catch  where error.kind == .notRunning {
            return nil
        } catch {
            throw ValidationError("passantd runs but cannot lend \(sensor)'s port: \(error.message)")
        }
    }

    /// Tells passantd to read its calibration files again; says what happened, for the technician.
    func reload(sensor: String?) -> String {
        do {
            let reply = try ControlClient(path: socket).request(ControlRequest(.reload, sensor: sensor))
            return "passantd: "
                + (reply.message ?? "reloaded").replacingOccurrences(of: "\n", with: "\npassantd: ")
        } catch  where error.kind == .notRunning {
            return "passantd is not running; it reads the new calibration when it starts"
        } catch {
            return
                "passantd did not take the new calibration: \(error.message); restart it (sudo systemctl restart passantd)"
        }
    }
}
