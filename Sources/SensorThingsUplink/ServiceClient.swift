// The HTTP edge: one request to the service, with auth, a timeout and errors that say what failed.
// Everything about SensorThings entities lives elsewhere.

import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import PassantConfig
import Uplinks

/// What a request returned.
struct ServiceResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    /// What went out for it, in bytes, and how long the round trip took.
    var bytesSent: Int
    var seconds: Double

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

/// Requests to one SensorThings service.
struct ServiceClient: Sendable {
    let root: String
    let http: HTTPClient
    let timeout: TimeAmount
    let logger: Logger

    /// Creates the HTTP client; `shutdown()` must be called before it is released.
    init(root: String, timeoutSeconds: Double, tls: TLSConfiguration?, logger: Logger) {
        self.root = root
        timeout = .milliseconds(max(1, Int64((timeoutSeconds * 1000).rounded())))
        self.logger = logger
        var http = HTTPClient.Configuration()
        http.redirectConfiguration = .disallow  // never carry credentials to another host
        http.timeout = .init(connect: .seconds(10), read: timeout)
        http.tlsConfiguration = tls
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
    }

    /// The TLS settings, with every file read now so that a missing or bad file is a configuration
    /// error at start, not a surprise at the first connection.
    static func tls(_ settings: SensorThingsConfiguration.TLS) throws(UplinkError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        do {
            if let caFile = settings.caFile {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            }
        } catch {
            throw UplinkError(
                .configuration,
                "cannot read the CA file \(settings.caFile ?? ""): \(error); check tls.ca_file")
        }
        if let certFile = settings.certFile, let keyFile = settings.keyFile {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) }
            } catch {
                throw UplinkError(
                    .configuration,
                    "cannot read the client certificate \(certFile): \(error); check tls.cert_file")
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            } catch {
                throw UplinkError(
                    .configuration,
                    "cannot read the client key \(keyFile): \(error); check tls.key_file (PEM, unencrypted)")
            }
        }
        return tls
    }

    /// Sends one request. `path` is relative to the service root (`/Things`) or, for a link the
    /// server gave, absolute. Throws only when no complete response arrived.
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
        authorization: String?
    ) async throws(TransportFailure) -> ServiceResponse {
        let url = (path.hasPrefix("http") ? path : root + path) + URLQuery.encode(query)
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let sent =
            "\(method.rawValue) \(url) HTTP/1.1\r\n".utf8.count
            + request.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 } + 2
            + (body?.count ?? 0)
        let started = ContinuousClock.now
        do {
            let response = try await http.execute(request, timeout: timeout, logger: logger)
            let buffer = try await response.body.collect(upTo: 64 << 20)
            return ServiceResponse(
                status: Int(response.status.code), headers: response.headers,
                body: Array(buffer.readableBytesView),
                bytesSent: sent, seconds: (ContinuousClock.now - started).seconds)
        } catch {
            throw TransportFailure(
                message: Self.describe(error, method: method, url: url), bytesSent: sent,
                seconds: (ContinuousClock.now - started).seconds,
                isTLS: error is NIOSSLError || error is BoringSSLError)
        }
    }

    private static func describe(_ error: any Error, method: HTTPMethod, url: String) -> String {
        let what: String
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: what = "no answer within the timeout (timeout_s)"
            case .connectTimeout: what = "connecting timed out"
            case .remoteConnectionClosed: what = "the server closed the connection"
            default: what = "\(error)"
            }
        } else if let error = error as? NIOSSLError {
            what = "TLS failed: \(error); check tls.ca_file and the server's certificate"
        } else if let error = error as? BoringSSLError {
            what = "TLS failed: \(error); check tls.ca_file and the server's certificate"
        } else {
            what = "\(error)"
        }
        return "\(method.rawValue) \(url): \(what)"
    }

    func shutdown() async {
        try? await http.shutdown()
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
