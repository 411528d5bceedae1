// libcurl's easy interface, one handle per service: requests run one after another on a thread of
// their own (curl_easy_perform blocks), and the handle keeps the connection alive between them.
// libcurl itself is opened when the first SensorThings uplink is made (Sources/CCurl/shim.h).

import CCurl
import Dispatch
import Foundation

/// One HTTP request as libcurl is told it.
struct CurlRequest: Sendable {
    var method: String
    var url: String
    var headers: [(String, String)]
    var body: [UInt8]?
    var timeoutMilliseconds: Int
    var tls: TLSFiles?
}

/// A complete response.
struct CurlReply: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]
}

/// No complete response: what libcurl said, in words for a technician.
struct CurlFailure: Error, CustomStringConvertible {
    var code: CURLcode
    var detail: String
    /// The TLS handshake or the server's certificate failed: the certificates or the TLS settings are
    /// wrong, and retrying soon changes nothing. Not a handshake cut short (`isCutHandshake`).
    var isTLS: Bool {
        switch code {
        case CURLE_SSL_CONNECT_ERROR: !isCutHandshake
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS:
            true
        default: false
        }
    }

    /// The connection was reset or closed in the middle of the TLS handshake: a server restarting or
    /// overloaded, a proxy or the network dropping it. libcurl reports it as a handshake failure
    /// (`CURLE_SSL_CONNECT_ERROR`) like a refused certificate, but it is worth retrying soon.
    var isCutHandshake: Bool {
        code == CURLE_SSL_CONNECT_ERROR
            && ["reset by peer", "SSL_ERROR_SYSCALL", "unexpected eof", "Broken pipe"].contains {
                detail.contains($0)
            }
    }

    var description: String {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: "no answer within the timeout (timeout_s): \(detail)"
        case CURLE_COULDNT_CONNECT: "cannot connect (\(detail)); is the server running and the url right?"
        case CURLE_COULDNT_RESOLVE_HOST: "cannot resolve the host (\(detail)); check the url and DNS"
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE:
            "the server closed the connection (\(detail))"
        case _ where isCutHandshake: "the connection was cut during the TLS handshake (\(detail))"
        case _ where isTLS: "TLS failed: \(detail); check tls.ca_file and the server's certificate"
        default: detail
        }
    }
}

/// libcurl's functions, opened once: when the first SensorThings uplink is made.
final class CurlLibrary: @unchecked Sendable {
    /// Filled once by `passant_curl_load`, read-only afterwards.
    let functions: UnsafeMutablePointer<passant_curl>

    private init(_ functions: UnsafeMutablePointer<passant_curl>) { self.functions = functions }

    static let shared: Result<CurlLibrary, CurlFailure> = {
        let functions = UnsafeMutablePointer<passant_curl>.allocate(capacity: 1)
        functions.initialize(to: passant_curl())
        if let missing = passant_curl_load(functions) {
            functions.deallocate()
            return .failure(
                CurlFailure(
                    code: CURLE_FAILED_INIT,
                    detail: "cannot open libcurl (\(String(cString: missing))); install Debian's libcurl4"))
        }
        // libcurl's global state, set up once before the first handle (not thread-safe by itself).
        let code = passant_curl_global_init(functions)
        guard code == CURLE_OK else {
            return .failure(CurlFailure(code: code, detail: "libcurl could not be initialised"))
        }
        return .success(CurlLibrary(functions))
    }()
}

/// One easy handle and the serial queue it is used on.
final class CurlConnection: @unchecked Sendable {
    // Only touched on `queue`.
    private var handle: UnsafeMutableRawPointer?
    private let queue = DispatchQueue(label: "passant.sensorthings.http")
    private let curl: UnsafeMutablePointer<passant_curl>

    /// - Throws: when libcurl cannot be opened.
    init() throws(CurlFailure) {
        curl = try CurlLibrary.shared.get().functions
    }

    deinit {
        if let handle { passant_curl_easy_cleanup(curl, handle) }
    }

    /// Runs `request` on the connection's thread; never blocks the caller's.
    func perform(_ request: CurlRequest) async -> Result<CurlReply, CurlFailure> {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.performHere(request)) }
        }
    }

    /// Closes the connection; a later request opens a new one.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                if let handle = self.handle { passant_curl_easy_cleanup(self.curl, handle) }
                self.handle = nil
                continuation.resume()
            }
        }
    }

    private func performHere(_ request: CurlRequest) -> Result<CurlReply, CurlFailure> {
        if handle == nil { handle = passant_curl_easy_init(curl) }
        guard let handle else {
            return .failure(
                CurlFailure(code: CURLE_FAILED_INIT, detail: "libcurl gave no handle (out of memory?)"))
        }
        // Options back to their defaults; the connection cache stays.
        passant_curl_easy_reset(curl, handle)
        let sink = ResponseSink()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { passant_curl_slist_free_all(curl, headerList) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
            // No signals from a library thread; the other side's name resolution is bounded by the timeouts.
            passant_curl_set_long(curl, handle, CURLOPT_NOSIGNAL, 1)
            passant_curl_set_pointer(
                curl, handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errors.baseAddress))
            passant_curl_set_string(curl, handle, CURLOPT_URL, request.url)
            // Never carry credentials to another host: no redirects, http(s) only.
            passant_curl_set_long(curl, handle, CURLOPT_FOLLOWLOCATION, 0)
            passant_curl_set_string(curl, handle, CURLOPT_PROTOCOLS_STR, "http,https")
            passant_curl_set_long(curl, handle, CURLOPT_CONNECTTIMEOUT_MS, 10_000)
            passant_curl_set_long(curl, handle, CURLOPT_TIMEOUT_MS, request.timeoutMilliseconds)
            passant_curl_set_long(curl, handle, CURLOPT_SSL_VERIFYPEER, 1)
            passant_curl_set_long(curl, handle, CURLOPT_SSL_VERIFYHOST, 2)
            if let tls = request.tls {
                if let caFile = tls.caFile { passant_curl_set_string(curl, handle, CURLOPT_CAINFO, caFile) }
                if let certFile = tls.certFile, let keyFile = tls.keyFile {
                    passant_curl_set_string(curl, handle, CURLOPT_SSLCERT, certFile)
                    passant_curl_set_string(curl, handle, CURLOPT_SSLCERTTYPE, "PEM")
                    passant_curl_set_string(curl, handle, CURLOPT_SSLKEY, keyFile)
                    passant_curl_set_string(curl, handle, CURLOPT_SSLKEYTYPE, "PEM")
                }
            }
            switch request.method {
            case "GET": passant_curl_set_long(curl, handle, CURLOPT_HTTPGET, 1)
            case "POST": passant_curl_set_long(curl, handle, CURLOPT_POST, 1)
            default: passant_curl_set_string(curl, handle, CURLOPT_CUSTOMREQUEST, request.method)
            }
            if let body = request.body {
                passant_curl_set_long(curl, handle, CURLOPT_POSTFIELDSIZE, body.count)
                // Copied by libcurl: the body need not outlive this call.
                if body.isEmpty {
                    passant_curl_set_string(curl, handle, CURLOPT_COPYPOSTFIELDS, "")
                } else {
                    body.withUnsafeBytes { bytes in
                        passant_curl_set_pointer(
                            curl, handle, CURLOPT_COPYPOSTFIELDS,
                            UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                    }
                }
            }
            for (name, value) in request.headers {
                headerList = passant_curl_slist_append(curl, headerList, "\(name): \(value)")
            }
            // No `Expect: 100-continue` round trip before a large body.
            headerList = passant_curl_slist_append(curl, headerList, "Expect:")
            passant_curl_set_pointer(curl, handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))

            let context = Unmanaged.passUnretained(sink).toOpaque()
            passant_curl_set_callback(curl, handle, CURLOPT_WRITEFUNCTION) {
                ResponseSink.receiveBody($0, $1, $2, $3)
            }
            passant_curl_set_pointer(curl, handle, CURLOPT_WRITEDATA, context)
            passant_curl_set_callback(curl, handle, CURLOPT_HEADERFUNCTION) {
                ResponseSink.receiveHeader($0, $1, $2, $3)
            }
            passant_curl_set_pointer(curl, handle, CURLOPT_HEADERDATA, context)
            return withExtendedLifetime(sink) { passant_curl_easy_perform(curl, handle) }
        }

        if sink.tooLarge {  // before the code: libcurl only says that writing failed
            return .failure(CurlFailure(code: CURLE_WRITE_ERROR, detail: "the answer is larger than 64 MiB"))
        }
        guard code == CURLE_OK else {
            let detail = String(
                decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let words = detail.isEmpty ? String(cString: passant_curl_easy_strerror(curl, code)) : detail
            return .failure(CurlFailure(code: code, detail: words))
        }
        var status = 0
        passant_curl_get_long(curl, handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(CurlReply(status: status, headers: sink.headers, body: sink.body))
    }
}

/// Where libcurl's callbacks put the response (used on the connection's thread only).
private final class ResponseSink {
    var body: [UInt8] = []
    var headers: [(name: String, value: String)] = []
    var tooLarge = false
    static let maximumBody = 64 << 20

    static func receiveBody(
        _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
    ) -> Int {
        let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        guard sink.body.count + length <= maximumBody else {
            sink.tooLarge = true
            return 0  // ends the transfer
        }
        if let data { sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
        return length
    }

    /// One header line at a time; a status line starts a new response (after `100 Continue`).
    static func receiveHeader(
        _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
    ) -> Int {
        let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        guard let data else { return length }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            sink.headers.removeAll()
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            sink.headers.append((name, value))
        }
        return length
    }
}
