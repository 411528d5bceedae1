/// A serial port as libserialport sees it, for `passant ports` and for choosing the config's `port:`.
public struct PortInfo: Sendable, Hashable {
    /// How the port is attached.
    public enum Transport: String, Sendable, Hashable {
        case native, usb, bluetooth
    }

    /// The device, e.g. `/dev/ttyUSB0`, `/dev/ttyAMA0`.
    public var name: String
    /// libserialport's description (often the USB product string).
    public var portDescription: String?
    public var transport: Transport
    public var usbVendorID: UInt16?
    public var usbProductID: UInt16?
    public var manufacturer: String?
    public var product: String?
    public var serialNumber: String?
    /// The `/dev/serial/by-id/…` link to this device, if udev made one: the name to put in the config,
    /// since `ttyUSB` numbers change with plugging order.
    public var byIDPath: String?
    /// Other stable names udev made for it: `/dev/serial/by-path/…` (the USB socket it is plugged
    /// into: survives swapping two identical adapters without serial numbers) and, on a Raspberry Pi,
    /// `/dev/serial0` or `/dev/serial1` for the GPIO UART.
    public var otherLinks: [String] = []

    public init(
        name: String, portDescription: String? = nil, transport: Transport, usbVendorID: UInt16? = nil,
        usbProductID: UInt16? = nil, manufacturer: String? = nil, product: String? = nil,
        serialNumber: String? = nil, byIDPath: String? = nil
    ) {
        self.name = name
        self.portDescription = portDescription
        self.transport = transport
        self.usbVendorID = usbVendorID
        self.usbProductID = usbProductID
        self.manufacturer = manufacturer
        self.product = product
        self.serialNumber = serialNumber
        self.byIDPath = byIDPath
    }
}

/// The serial ports on this machine, sorted by name. Pseudo-terminals are not listed (libserialport
/// does not see them).
public func listPorts() throws(SourceError) -> [PortInfo] {
    let details: [SerialPortDetails]
    switch sp_listPorts() {
    case .success(let found): details = found
    case .failure(let failure):
        throw .failed("serial ports", operation: "sp_list_ports", reason: failure.message)
    }
    let byID = serialLinks(in: "/dev/serial/by-id")
    let byPath = serialLinks(in: "/dev/serial/by-path")
    var aliases: [String: [String]] = [:]
    for alias in ["/dev/serial0", "/dev/serial1"] {
        if let target = system_realpath(alias), target != alias { aliases[target, default: []].append(alias) }
    }
    return details.map { port in
        let device = system_realpath(port.name) ?? port.name
        var info = PortInfo(
            name: port.name, portDescription: port.description, transport: port.transport,
            usbVendorID: port.usbVendorID.flatMap { UInt16(exactly: $0) },
            usbProductID: port.usbProductID.flatMap { UInt16(exactly: $0) },
            manufacturer: port.manufacturer, product: port.product, serialNumber: port.serialNumber,
            byIDPath: byID[device])
        info.otherLinks = (byPath[device].map { [$0] } ?? []) + (aliases[device] ?? [])
        return info
    }.sorted { $0.name < $1.name }
}

/// Device → link, for each symlink in `directory`.
func serialLinks(in directory: String) -> [String: String] {
    var links: [String: String] = [:]
    for entry in system_directoryEntries(directory).sorted() {
        let link = "\(directory)/\(entry)"
        if let target = system_realpath(link), links[target] == nil { links[target] = link }
    }
    return links
}
