import Testing

@testable import SerialInput

@Suite("SourceAddress")
struct SourceAddressTests {
    @Test(
        "device paths are kept exactly as configured",
        arguments: [
            "/dev/ttyUSB0", "/dev/ttyAMA0", "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0",
            "/dev/pts/7",
        ])
    func devicePaths(_ text: String) throws {
        let address = try SourceAddress(parsing: text)
        #expect(address == .device(path: text))
        #expect(address.description == text)
    }

    @Test("surrounding whitespace from a config file is ignored")
    func whitespace() throws {
        #expect(try SourceAddress(parsing: "  /dev/ttyUSB1\n") == .device(path: "/dev/ttyUSB1"))
    }

    @Test("tcp://host:port addresses, with IPv6 hosts in brackets")
    func tcpAddresses() throws {
        #expect(try SourceAddress(parsing: "tcp://127.0.0.1:4001") == .tcp(host: "127.0.0.1", port: 4001))
        #expect(
            try SourceAddress(parsing: "tcp://converter.local:23") == .tcp(host: "converter.local", port: 23))
        let v6 = try SourceAddress(parsing: "tcp://[::1]:4001")
        #expect(v6 == .tcp(host: "::1", port: 4001))
        #expect(v6.description == "tcp://[::1]:4001")
    }

    @Test(
        "bad addresses are refused with a message that shows a good one",
        arguments: [
            ("", "the port is empty"),
            ("ttyUSB0", "must be absolute, as in /dev/ttyUSB0"),
            ("tcp://192.0.2.10", "the port number is missing"),
            ("tcp://:4001", "the host is missing"),
            ("tcp://192.0.2.10:0", "'0' is not a TCP port number"),
            ("tcp://192.0.2.10:65536", "'65536' is not a TCP port number"),
            ("tcp://192.0.2.10:serial", "'serial' is not a TCP port number"),
            ("tcp://::1:4001", "put an IPv6 host in brackets"),
            ("tcp://[::1:4001", "closing bracket"),
            ("tcp://192.0.2.10:4001/dev", "no path"),
            ("udp://192.0.2.10:4001", "'udp://' is not supported"),
            ("/dev/", "not a device"),
        ])
    func badAddresses(_ text: String, _ expected: String) {
        let error = #expect(throws: SourceError.self) { try SourceAddress(parsing: text) }
        guard case .invalidAddress(let quoted, _) = error else {
            Issue.record("expected .invalidAddress, got \(String(describing: error))")
            return
        }
        #expect(quoted == text)
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "")")
        #expect(error?.description.hasPrefix("'\(text)' is not a port address") == true)
    }
}
