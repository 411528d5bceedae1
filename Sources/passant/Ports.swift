import ArgumentParser
import Control
import Foundation
import SerialInput

/// `passant ports`: the serial ports on this machine, with what identifies each.
struct Ports: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the serial ports, with USB vendor/product, serial number and stable names.",
        discussion: """
            Put the /dev/serial/by-id/... name in the configuration's port: (it survives replugging and \
            reboots; /dev/ttyUSB0 does not). Pseudo-terminals (the simulator) are not listed. Then \
            `passant probe PORT` says what a port speaks.
            """)

    @Flag(help: "Print the ports as a JSON array (for scripts).")
    var json = false

    func run() throws {
        let ports: [PortInfo]
        do {
            ports = try listPorts()
        } catch {
            throw ValidationError("cannot list the serial ports: \(error)")
        }
        if json {
            print(String(decoding: try JSONEncoder.passant.encode(ports.map(Listed.init)), as: UTF8.self))
            return
        }
        if ports.isEmpty {
            print("no serial ports found (is the USB adapter plugged in? is the Pi's UART enabled?)")
            return
        }
        for port in ports {
            print(Self.describe(port))
        }
    }

    static func describe(_ port: PortInfo) -> String {
        var lines = ["\(port.name)  \(port.transport.rawValue)"]
        if let vid = port.usbVendorID, let pid = port.usbProductID {
            lines[0] += "  USB \(hex(vid)):\(hex(pid))"
        }
        let names = [port.manufacturer, port.product].compactMap { $0 }.joined(separator: " ")
        if !names.isEmpty { lines.append("  device:      \(names)") }
        if let description = port.portDescription, description != port.product {
            lines.append("  description: \(description)")
        }
        if let serial = port.serialNumber { lines.append("  serial:      \(serial)") }
        if let byID = port.byIDPath {
            lines.append("  by-id:       \(byID)")
        } else if port.transport == .usb {
            lines.append(
                "  by-id:       none (no serial number: use the by-path name below, or tell adapters apart by socket)"
            )
        }
        for link in port.otherLinks { lines.append("  also:        \(link)") }
        return lines.joined(separator: "\n")
    }

    /// A port as `--json` lists it: USB ids as the four hex digits `lsusb` shows.
    struct Listed: Encodable {
        var name: String
        var transport: String
        var usbVendorID: String?
        var usbProductID: String?
        var manufacturer: String?
        var product: String?
        var description: String?
        var serialNumber: String?
        var byID: String?
        var otherLinks: [String]

        init(_ port: PortInfo) {
            name = port.name
            transport = port.transport.rawValue
            usbVendorID = port.usbVendorID.map(Ports.hex)
            usbProductID = port.usbProductID.map(Ports.hex)
            manufacturer = port.manufacturer
            product = port.product
            description = port.portDescription
            serialNumber = port.serialNumber
            byID = port.byIDPath
            otherLinks = port.otherLinks
        }
    }

    static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// A failure while running a command (not a usage mistake): printed as `Error: …`, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
