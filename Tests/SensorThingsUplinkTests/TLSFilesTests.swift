// The TLS files of an https service are checked when the uplink is made, so that a technician's
// mistake is a configuration error at start that names the setting, not a failure at the first bin.

import Foundation
import PassantConfig
import SensorThingsUplink
import TestSupport
import Testing
import Uplinks

@Suite("SensorThings TLS files")
struct TLSFilesTests {
    private let url = "https://127.0.0.1:1/sensorthings/v1.1"

    private func refusal(_ tls: SensorThingsConfiguration.TLS) -> UplinkError? {
        do {
            _ = try makeUplink(url: url, tls: tls)
            return nil
        } catch {
            return error as? UplinkError
        }
    }

    @Test func aMissingCAFileIsAConfigurationErrorNamingTheSetting() throws {
        let error = try #require(refusal(.init(caFile: "/nonexistent/city-ca.pem")))
        #expect(error.kind == .configuration)
        #expect(error.message.contains("/nonexistent/city-ca.pem") && error.message.contains("tls.ca_file"))
    }

    @Test func aCAFileWithoutACertificateIsRefused() throws {
        let directory = try TemporaryDirectory("tls")
        let caFile = directory.file("ca.pem")
        try "not a certificate\n".write(toFile: caFile, atomically: true, encoding: .utf8)
        let error = try #require(refusal(.init(caFile: caFile)))
        #expect(error.kind == .configuration && error.message.contains("no PEM certificate"), "\(error)")
    }

    @Test func aClientKeyMustBeAnUnencryptedPEMKey() throws {
        let certificates = try TestCertificates()
        let directory = try TemporaryDirectory("tls")
        let encrypted = directory.file("gw.key")
        try shell(
            "openssl pkey -in \(certificates.serverKeyFile) -aes256 -passout pass:secret -out \(encrypted)",
            in: directory.path)
        let error = try #require(
            refusal(
                .init(caFile: certificates.caFile, certFile: certificates.serverCertFile, keyFile: encrypted))
        )
        #expect(error.kind == .configuration && error.message.contains("tls.key_file"), "\(error)")
        #expect(error.message.contains("encrypted"), "\(error)")

        // The certificate's own key, unencrypted, is taken; so is a plain http url with no TLS at all.
        #expect(
            refusal(
                .init(
                    caFile: certificates.caFile, certFile: certificates.serverCertFile,
                    keyFile: certificates.serverKeyFile)) == nil)
        #expect(throws: Never.self) {
            try makeUplink(url: "http://127.0.0.1:1/x", tls: .init(caFile: "/nonexistent"))
        }
    }
}
