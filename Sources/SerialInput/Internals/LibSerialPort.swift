// Every libserialport call passantd makes goes through this file, the way swift-system routes its
// system calls through Syscalls.swift: one place that names the C function, converts its
// `enum sp_return` into a `Result`, and reads the OS error before anything else can overwrite it.

import CSerialPort

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed libserialport call: its `sp_return` code and, for `SP_ERR_FAIL`, the OS error.
struct SerialPortFailure: Error, Hashable {
    /// The `enum sp_return` value (`SP_ERR_ARG`, `SP_ERR_FAIL`, `SP_ERR_MEM`, `SP_ERR_SUPP`).
    var code: Int32
    /// `sp_last_error_code()` (errno on POSIX) when `code` is `SP_ERR_FAIL`, else nil.
    var errno: Int32?
    /// The function that failed and what it said.
    var message: String

    var isArgumentError: Bool { code == SP_ERR_ARG.rawValue }
}

/// An `sp_port *` owned by the caller. Not thread-safe by itself; `SerialPortEndpoint` serialises use.
struct SerialPortPointer: @unchecked Sendable {
    let raw: OpaquePointer
}

/// Converts an `enum sp_return` into a count or a failure. Called immediately after the C function so
/// that `sp_last_error_code()` and `sp_last_error_message()` still describe that call.
private func checked(_ result: sp_return, _ function: StaticString) -> Result<Int, SerialPortFailure> {
    if result.rawValue >= 0 { return .success(Int(result.rawValue)) }
    var errno: Int32? = nil
    var detail: String
    switch result {
    case SP_ERR_FAIL:
        errno = sp_last_error_code()
        if let cMessage = sp_last_error_message() {
            detail = String(cString: cMessage)
            sp_free_error_message(cMessage)
        } else {
            detail = "OS error \(errno ?? 0)"
        }
    case SP_ERR_ARG: detail = "invalid argument (libserialport does not know this port)"
    case SP_ERR_MEM: detail = "out of memory"
    case SP_ERR_SUPP: detail = "not supported on this system"
    default: detail = "error \(result.rawValue)"
    }
    return .failure(SerialPortFailure(code: result.rawValue, errno: errno, message: "\(function): \(detail)"))
}

private func string(_ cString: UnsafeMutablePointer<CChar>?) -> String? {
    guard let cString else { return nil }
    let value = String(cString: cString)
    return value.isEmpty ? nil : value
}

// MARK: - Ports

/// `sp_get_port_by_name`: looks the port up (on Linux, through sysfs). Fails with `SP_ERR_ARG` for a
/// path libserialport has no sysfs entry for, such as a pseudo-terminal.
func sp_getPortByName(_ name: String) -> Result<SerialPortPointer, SerialPortFailure> {
    var port: OpaquePointer? = nil
    return checked(sp_get_port_by_name(name, &port), "sp_get_port_by_name").flatMap { _ in
        guard let port else {
            return .failure(SerialPortFailure(code: SP_ERR_FAIL.rawValue, errno: nil, message: "no port"))
        }
        return .success(SerialPortPointer(raw: port))
    }
}

/// `sp_free_port`.
func sp_freePort(_ port: SerialPortPointer) {
    sp_free_port(port.raw)
}

/// `sp_open` for reading and writing.
func sp_openReadWrite(_ port: SerialPortPointer) -> Result<Void, SerialPortFailure> {
    checked(sp_open(port.raw, SP_MODE_READ_WRITE), "sp_open").map { _ in () }
}

/// `sp_close`.
func sp_closePort(_ port: SerialPortPointer) -> Result<Void, SerialPortFailure> {
    checked(sp_close(port.raw), "sp_close").map { _ in () }
}

/// `sp_set_baudrate`, `sp_set_bits`, `sp_set_parity`, `sp_set_stopbits`, `sp_set_flowcontrol`: the
/// counters all speak 8N1 without flow control.
func sp_configure8N1(_ port: SerialPortPointer, baud: Int) -> Result<Void, SerialPortFailure> {
    checked(sp_set_baudrate(port.raw, Int32(clamping: baud)), "sp_set_baudrate")
        .flatMap { _ in checked(sp_set_bits(port.raw, 8), "sp_set_bits") }
        .flatMap { _ in checked(sp_set_parity(port.raw, SP_PARITY_NONE), "sp_set_parity") }
        .flatMap { _ in checked(sp_set_stopbits(port.raw, 1), "sp_set_stopbits") }
        .flatMap { _ in checked(sp_set_flowcontrol(port.raw, SP_FLOWCONTROL_NONE), "sp_set_flowcontrol") }
        .map { _ in () }
}

/// `sp_get_port_handle`: the file descriptor of an open port, so that it can be polled together with
/// the wake-up pipe that `close()` uses.
func sp_fileDescriptor(_ port: SerialPortPointer) -> Result<Int32, SerialPortFailure> {
    var fd: Int32 = -1
    return checked(sp_get_port_handle(port.raw, &fd), "sp_get_port_handle").map { _ in fd }
}

/// `sp_nonblocking_read`. Returns 0 both when nothing is waiting and at end of file; the caller tells
/// them apart by having polled first.
func sp_readAvailable(
    _ port: SerialPortPointer, into buffer: UnsafeMutableRawBufferPointer
) -> Result<Int, SerialPortFailure> {
    checked(sp_nonblocking_read(port.raw, buffer.baseAddress, buffer.count), "sp_nonblocking_read")
}

/// `sp_nonblocking_write`: as many bytes as the driver takes now.
func sp_writeAvailable(_ port: SerialPortPointer, _ bytes: UnsafeRawBufferPointer) -> Result<
    Int, SerialPortFailure
> {
    checked(sp_nonblocking_write(port.raw, bytes.baseAddress, bytes.count), "sp_nonblocking_write")
}

// MARK: - Listing

/// What `sp_get_port_*` tell about one port of `sp_list_ports`.
struct SerialPortDetails {
    var name: String
    var description: String?
    var transport: PortInfo.Transport
    var usbVendorID: Int32?
    var usbProductID: Int32?
    var manufacturer: String?
    var product: String?
    var serialNumber: String?
}

/// `sp_list_ports`, then `sp_get_port_name`, `sp_get_port_description`, `sp_get_port_transport`,
/// `sp_get_port_usb_vid_pid`, `sp_get_port_usb_manufacturer`, `sp_get_port_usb_product`,
/// `sp_get_port_usb_serial` for each, and `sp_free_port_list`.
func sp_listPorts() -> Result<[SerialPortDetails], SerialPortFailure> {
    var list: UnsafeMutablePointer<OpaquePointer?>? = nil
    return checked(sp_list_ports(&list), "sp_list_ports").map { _ in
        guard let list else { return [] }
        defer { sp_free_port_list(list) }
        var ports: [SerialPortDetails] = []
        var index = 0
        while let port = list[index] {
            index += 1
            guard let name = string(sp_get_port_name(port)) else { continue }
            let transport = sp_get_port_transport(port)
            var details = SerialPortDetails(
                name: name, description: string(sp_get_port_description(port)),
                transport: transport == SP_TRANSPORT_USB
                    ? .usb : transport == SP_TRANSPORT_BLUETOOTH ? .bluetooth : .native)
            if transport == SP_TRANSPORT_USB {
                var vid: Int32 = 0
                var pid: Int32 = 0
                if sp_get_port_usb_vid_pid(port, &vid, &pid) == SP_OK {
                    details.usbVendorID = vid
                    details.usbProductID = pid
                }
                details.manufacturer = string(sp_get_port_usb_manufacturer(port))
                details.product = string(sp_get_port_usb_product(port))
                details.serialNumber = string(sp_get_port_usb_serial(port))
            }
            ports.append(details)
        }
        return ports
    }
}
