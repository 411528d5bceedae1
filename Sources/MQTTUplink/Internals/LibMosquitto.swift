// Every call into libmosquitto lives in this file. The rest of the module sees `MosquittoClient`, a
// thin owner of one `struct mosquitto *`, and `MosquittoError`; libmosquitto's return codes are
// converted into errors in one place, `check(_:_:)`.
//
// Threading: the client runs libmosquitto's own network thread (`mosquitto_loop_start`). The C
// callbacks run on that thread and forward to a `ConnectionEvents`, which is passed to libmosquitto as
// retained `Unmanaged` userdata and released only after the thread has stopped, so a callback never
// sees a freed object. libmosquitto guards `mosquitto_publish` and friends with its own mutexes, so
// they may be called from any thread while the network thread runs.

import CMosquitto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A libmosquitto return code with the library's text for it.
struct MosquittoError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The `MOSQ_ERR_*` code.
    var code: Int32
    /// What the library says, plus `errno`'s text for `MOSQ_ERR_ERRNO`.
    var message: String
    /// The operation that failed, e.g. "connecting".
    var operation: String

    var description: String { "\(operation): \(message)" }

    init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
        self.message = Self.text(for: code)
    }

    /// `mosquitto_strerror`, and `strerror(errno)` when the code says errno holds the reason.
    static func text(for code: Int32) -> String {
        if code == Int32(MOSQ_ERR_ERRNO.rawValue) {
            return String(cString: strerror(errno))
        }
        return String(cString: mosquitto_strerror(code))
    }

    /// Codes after which `mosquitto_loop_forever` gives up and the network thread ends
    /// (lib/loop.c): the client must be rebuilt to connect again.
    static let endsTheLoop: Set<Int32> = [
        MOSQ_ERR_NOMEM, MOSQ_ERR_PROTOCOL, MOSQ_ERR_INVAL, MOSQ_ERR_NOT_FOUND, MOSQ_ERR_TLS,
        MOSQ_ERR_PAYLOAD_SIZE, MOSQ_ERR_NOT_SUPPORTED, MOSQ_ERR_AUTH, MOSQ_ERR_ACL_DENIED, MOSQ_ERR_UNKNOWN,
        MOSQ_ERR_EAI, MOSQ_ERR_PROXY,
    ].reduce(into: []) { $0.insert(Int32($1.rawValue)) }

    static let connectionRefused = Int32(MOSQ_ERR_CONN_REFUSED.rawValue)

    static let tls = Int32(MOSQ_ERR_TLS.rawValue)
    static let tlsCodes: Set<Int32> = [tls, Int32(MOSQ_ERR_TLS_HANDSHAKE.rawValue)]
}

/// Converts a libmosquitto return code into a thrown `MosquittoError`.
private func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(MosquittoError) {
    if code != Int32(MOSQ_ERR_SUCCESS.rawValue) {
        throw MosquittoError(code: code, operation: operation())
    }
}

/// `mosquitto_lib_init`, run once per process before the first client is made.
private let libraryInitialised: Int32 = mosquitto_lib_init()

/// `access(R_OK)`: whether this process may read `path` (libmosquitto only says "invalid").
func isReadable(_ path: String) -> Bool {
    access(path, R_OK) == 0
}

/// `mosquitto_connack_string`: the text for an MQTT 3.1.1 CONNACK return code.
func connackText(_ code: Int32) -> String {
    String(cString: mosquitto_connack_string(code))
}

/// A message to publish, as libmosquitto takes it.
struct OutgoingMessage: Sendable {
    var topic: String
    var payload: [UInt8]
    var qos: Int32
    var retain: Bool
}

/// A message received on a subscription (tests subscribe with this client too).
struct ReceivedMessage: Sendable, Hashable {
    var topic: String
    var payload: [UInt8]
    var retained: Bool
    var text: String { String(decoding: payload, as: UTF8.self) }
}

/// One libmosquitto client (`struct mosquitto *`) and its network thread.
///
/// `@unchecked Sendable`: the handle is only used through libmosquitto calls that take the library's
/// own locks; `loopStarted` is written only by `start` and `stop`, which the owner calls in sequence.
final class MosquittoClient: @unchecked Sendable {
    private let handle: OpaquePointer
    let events: ConnectionEvents
    private var loopStarted = false
    private var destroyed = false

    /// `mosquitto_new`: a client with `clientID` and a persistent session unless `cleanSession`.
    /// Sets the reconnect delay (`mosquitto_reconnect_delay_set`, 1 s growing by a second per
    /// attempt to 10 s) so the network thread reconnects by itself soon after a broker restart.
    init(clientID: String?, cleanSession: Bool, events: ConnectionEvents) throws(MosquittoError) {
        _ = libraryInitialised
        self.events = events
        let userdata = Unmanaged.passRetained(events).toOpaque()
        guard let handle = mosquitto_new(clientID, cleanSession, userdata) else {
            Unmanaged<ConnectionEvents>.fromOpaque(userdata).release()
            throw MosquittoError(
                code: Int32((errno == EINVAL ? MOSQ_ERR_INVAL : MOSQ_ERR_NOMEM).rawValue),
                operation: "creating the client")
        }
        self.handle = handle
        mosquitto_connect_callback_set(handle, onConnect)
        mosquitto_disconnect_callback_set(handle, onDisconnect)
        mosquitto_publish_callback_set(handle, onPublish)
        mosquitto_message_callback_set(handle, onMessage)
        mosquitto_log_callback_set(handle, onLog)
        mosquitto_reconnect_delay_set(handle, 1, 10, false)
        // TCP_NODELAY: a PUBLISH is a whole message; waiting for Nagle only delays its PUBACK.
        mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1)
    }

    deinit {
        stop(force: true)
        destroy()
    }

    /// `mosquitto_username_pw_set`.
    func setCredentials(username: String, password: String?) throws(MosquittoError) {
        try check(mosquitto_username_pw_set(handle, username, password), "setting the username and password")
    }

    /// `mosquitto_will_set`: what the broker publishes when the connection dies without a DISCONNECT.
    func setWill(_ message: OutgoingMessage) throws(MosquittoError) {
        let code = message.payload.withUnsafeBytes { bytes in
            mosquitto_will_set(
                handle, message.topic, Int32(bytes.count), bytes.baseAddress, message.qos, message.retain)
        }
        try check(code, "setting the last will on \(message.topic)")
    }

    /// `mosquitto_tls_set`, `mosquitto_tls_opts_set` and `mosquitto_tls_insecure_set`. Either
    /// `caFile` or `caPath` must be given; `verify: false` turns off both the chain and the host
    /// name check.
    func setTLS(
        caFile: String?, caPath: String?, certFile: String?, keyFile: String?, verify: Bool
    ) throws(MosquittoError) {
        try check(mosquitto_tls_set(handle, caFile, caPath, certFile, keyFile, nil), "setting up TLS")
        try check(mosquitto_tls_opts_set(handle, verify ? 1 : 0, nil, nil), "setting the TLS options")
        try check(mosquitto_tls_insecure_set(handle, !verify), "setting the TLS host name check")
    }

    /// `mosquitto_connect_async` then `mosquitto_loop_start`. A failed first attempt is not an
    /// error here: the network thread keeps retrying, and `ConnectionEvents` records why it failed.
    func start(host: String, port: Int, keepalive: Int) throws(MosquittoError) {
        let code = mosquitto_connect_async(handle, host, Int32(port), Int32(keepalive))
        if code != Int32(MOSQ_ERR_SUCCESS.rawValue) {
            events.connectFailed(code: code, text: MosquittoError.text(for: code))
        }
        try check(mosquitto_loop_start(handle), "starting the network thread")
        loopStarted = true
    }

    /// `mosquitto_disconnect` (a clean DISCONNECT: the broker keeps the will to itself) and
    /// `mosquitto_loop_stop`, which waits for the network thread to end unless `force`.
    func stop(force: Bool = false) {
        guard loopStarted else { return }
        mosquitto_disconnect(handle)
        mosquitto_loop_stop(handle, force)
        loopStarted = false
    }

    /// For tests: stop the network thread and close the socket under the client without a
    /// DISCONNECT, as a crash or a cut cable would; the broker then publishes the will.
    func abandonConnection() {
        if loopStarted {
            mosquitto_loop_stop(handle, true)
            loopStarted = false
        }
        let socket = mosquitto_socket(handle)
        if socket >= 0 { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    /// `mosquitto_publish`, with the message id registered in `events` before this returns:
    /// `awaited` messages show up in `events`' acknowledged ids once the broker confirmed exactly
    /// this message (`takeAcknowledged`), the others are forgotten on confirmation.
    func publish(_ message: OutgoingMessage, awaited: Bool) throws(MosquittoError) -> Int32 {
        var mid: Int32 = 0
        events.beginPublish()
        let code = message.payload.withUnsafeBytes { bytes in
            mosquitto_publish(
                handle, &mid, message.topic, Int32(bytes.count), bytes.baseAddress, message.qos,
                message.retain)
        }
        guard code == Int32(MOSQ_ERR_SUCCESS.rawValue) else {
            events.endPublish()
            throw MosquittoError(code: code, operation: "publishing on \(message.topic)")
        }
        events.register(mid, awaited: awaited)
        return mid
    }

    /// `mosquitto_subscribe`. Subscriptions made before the connection is up are sent once it is.
    func subscribe(_ pattern: String, qos: Int32) throws(MosquittoError) {
        try check(mosquitto_subscribe(handle, nil, pattern, qos), "subscribing to \(pattern)")
    }

    /// `mosquitto_destroy`, then the userdata reference is released.
    private func destroy() {
        guard !destroyed else { return }
        destroyed = true
        mosquitto_destroy(handle)
        Unmanaged.passUnretained(events).release()
    }
}

// MARK: - Callbacks, on libmosquitto's network thread

private func events(_ userdata: UnsafeMutableRawPointer?) -> ConnectionEvents? {
    userdata.map { Unmanaged<ConnectionEvents>.fromOpaque($0).takeUnretainedValue() }
}

/// `on_connect`: `code` is the CONNACK return code. On success the birth message (the retained
/// `online` status) is published and the subscriptions are made at once, from here, so they
/// follow every reconnect, also to a broker that lost its sessions.
private let onConnect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32) -> Void = {
    handle, userdata, code in
    guard let events = events(userdata) else { return }
    var birthMID: Int32?
    var birthBegun = false
    if code == 0, let birth = events.birth {
        events.beginPublish()
        birthBegun = true
        var mid: Int32 = 0
        let result = birth.payload.withUnsafeBytes { bytes in
            mosquitto_publish(
                handle, &mid, birth.topic, Int32(bytes.count), bytes.baseAddress, birth.qos, birth.retain)
        }
        if result == Int32(MOSQ_ERR_SUCCESS.rawValue) { birthMID = mid }
    }
    if code == 0 {
        for pattern in events.subscriptions { mosquitto_subscribe(handle, nil, pattern, 1) }
    }
    events.connected(code: code, text: connackText(code), birthMID: birthMID, birthBegun: birthBegun)
}

/// `on_disconnect`: 0 after our own `mosquitto_disconnect`, otherwise why the connection ended.
private let onDisconnect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32) -> Void = {
    _, userdata, code in
    events(userdata)?.disconnected(code: code, text: MosquittoError.text(for: code))
}

/// `on_publish`: for QoS 1, the broker's PUBACK for message `mid` arrived.
private let onPublish: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32) -> Void = {
    _, userdata, mid in
    events(userdata)?.published(mid: mid)
}

/// `on_message`: a message on a subscription; libmosquitto frees it after the callback.
private let onMessage:
    @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafePointer<mosquitto_message>?) -> Void = {
        _, userdata, message in
        guard let events = events(userdata), let message = message?.pointee else { return }
        let payload =
            message.payloadlen > 0 && message.payload != nil
            ? Array(UnsafeRawBufferPointer(start: message.payload, count: Int(message.payloadlen))) : []
        events.received(
            ReceivedMessage(topic: String(cString: message.topic), payload: payload, retained: message.retain)
        )
    }

/// `on_log`: libmosquitto's own messages; errors (a TLS verification failure, a refused
/// connection) carry the detail the return codes lack.
private let onLog:
    @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Void =
        { _, userdata, level, text in
            guard let text, level & (Int32(MOSQ_LOG_ERR) | Int32(MOSQ_LOG_WARNING)) != 0 else { return }
            events(userdata)?.logged(String(cString: text))
        }
