// The HTTP edge: one request to the service, with auth, a timeout and errors that say what failed.
// Everything about SensorThings entities lives elsewhere; the wire itself is libcurl's (Debian's
// libcurl with OpenSSL, which libmosquitto loads anyway): a few hundred kilobytes shared with the
// rest of the system instead of an HTTP and TLS stack linked into passantd.

import Foundation
import PassantConfig
import Uplinks

/// The requests the uplink makes.
enum HTTPMethod: String, Sendable {
    case GET, POST, PATCH, DELETE
}

/// What a request returned.
struct ServiceResponse: Sendable {
    var status: Int
    /// Response header fields in the order received (the final response's, after any `100 Continue`).
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// What went out for it, in bytes, and how long the round trip took.
    var bytesSent: Int
    var seconds: Double

    /// The first header field called `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body as JSON (arrays, dictionaries, strings, numbers), nil when it is not JSON.
    var json: Any? {
        body.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
    }

    /// The server's own words about a failure, shortened for a log line.
    var message: String {
        var text = String(decoding: body.prefix(600), as: UTF8.self)
        if let object = json as? [String: Any] {
            for field in ["detail", "message", "error"] {
                if let value = object[field] {
                    text = (value as? String) ?? "\(value)"
                    break
                }
            }
        }
        text = text.replacingOccurrences(of: "\n", with: " ")
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}

/// Bytes and time spent on the wire, for the status and for the figures.
public struct SensorThingsTraffic: Sendable, Hashable {
    /// Requests sent.
    public var requests = 0
    /// Request bytes: request line, headers and body as composed here (the HTTP client adds a few
    /// header bytes of its own: `Host`, `Content-Length`).
    public var bytesSent = 0
    /// Response body bytes received.
    public var bytesReceived = 0
    /// Time from sending a request to having its whole response: the server's share of a drain.
    public var secondsWaiting = 0.0
    /// CreateObservations rows sent, and how many the server stored.
    public var rowsSent = 0
    public var rowsStored = 0
    /// Rows read back to settle an ambiguous failure or a bin stored earlier.
    public var rowsReadBack = 0

    public init() {}
}

/// Failure without a response: the request may or may not have been processed.
struct TransportFailure: Error {
    var message: String
    var bytesSent: Int
    var seconds: Double
    /// The TLS handshake failed: the CA, the server's certificate or the client's is wrong. Waiting
    /// does not help; fixing the files does.
    var isTLS = false
}

/// The TLS files of an `https` service, checked when the uplink starts. The server's certificate is
/// always verified (against `caFile`, else the system's trust store); the files are read again for
/// every new connection, so a corrected file is used without a restart.
struct TLSFiles: Sendable, Hashable {
    var caFile: String?
    var certFile: String?
    var keyFile: String?

    /// Every file read now, so that a missing or wrong file is a configuration error at start, not a
    /// surprise at the first connection.
    init(_ settings: SensorThingsConfiguration.TLS) throws(UplinkError) {
        caFile = settings.caFile
        if let caFile {
            try Self.check(caFile, holds: "CERTIFICATE", setting: "tls.ca_file", what: "the CA file")
        }
        if let certFile = settings.certFile, let keyFile = settings.keyFile {
            try Self.check(
                certFile, holds: "CERTIFICATE", setting: "tls.cert_file", what: "the client certificate")
            try Self.check(keyFile, holds: "PRIVATE KEY", setting: "tls.key_file", what: "the client key")
            if (try? String(contentsOfFile: keyFile, encoding: .utf8))?.contains("ENCRYPTED") == true {
                throw UplinkError(
                    .configuration,
                    "the client key \(keyFile) is encrypted; check tls.key_file (PEM, unencrypted)")
            }
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    private static func check(
        _ path: String, holds label: String, setting: String, what: String
    ) throws(UplinkError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw UplinkError(
                .configuration, "cannot read \(what) \(path): \(error.localizedDescription); check \(setting)"
            )
        }
        guard text.contains("-----BEGIN"), text.contains("\(label)-----") else {
            throw UplinkError(
                .configuration, "\(what) \(path) holds no PEM \(label.lowercased()); check \(setting)")
        }
    }
}

/// Requests to one SensorThings service, one at a time over one kept-alive connection.
struct ServiceClient: Sendable {
    let root: String
    let timeoutMilliseconds: Int
    let tls: TLSFiles?
    private let connection: CurlConnection

    /// Creates the client; `shutdown()` releases its connection.
    /// - Throws: `.configuration` when libcurl cannot be opened.
    init(root: String, timeoutSeconds: Double, tls: TLSFiles?) throws(UplinkError) {
        self.root = root
        timeoutMilliseconds = max(1, Int((timeoutSeconds * 1000).rounded()))
        self.tls = tls
        do {
            connection = try CurlConnection()
        } catch {
            throw UplinkError(.configuration, error.description)
        }
    }

    /// Whether the HTTP library can be opened; the uplink asks when it is made, so a gateway without
    /// libcurl says so at start.
    static func checkLibrary() throws(UplinkError) {
        if case .failure(let failure) = CurlLibrary.shared {
            throw UplinkError(.configuration, failure.description)
        }
    }

    /// Sends one request. `path` is relative to the service root (`/Things`) or, for a link the
    /// server gave, absolute. Throws only when no complete response arrived.
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
        authorization: String?
    ) async throws(TransportFailure) -> ServiceResponse {
        let url = (path.hasPrefix("http") ? path : root + path) + URLQuery.encode(query)
        var headers = [("Accept", "application/json")]
        if let authorization { headers.append(("Authorization", authorization)) }
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let request = CurlRequest(
            method: method.rawValue, url: url, headers: headers, body: body,
            timeoutMilliseconds: timeoutMilliseconds, tls: tls)
        let sent =
            "\(method.rawValue) \(url) HTTP/1.1\r\n".utf8.count
            + headers.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 } + 2 + (body?.count ?? 0)
        let started = ContinuousClock.now
        let outcome = await connection.perform(request)
        let seconds = (ContinuousClock.now - started).seconds
        switch outcome {
        case .success(let reply):
            return ServiceResponse(
                status: reply.status, headers: reply.headers, body: reply.body, bytesSent: sent,
                seconds: seconds)
        case .failure(let failure):
            throw TransportFailure(
                message: "\(method.rawValue) \(url): \(failure.description)", bytesSent: sent,
                seconds: seconds,
                isTLS: failure.isTLS)
        }
    }

    func shutdown() async {
        await connection.close()
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
