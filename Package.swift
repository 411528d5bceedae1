// swift-tools-version: 6.1
import PackageDescription

// Module map (the privacy boundary is the line between Counting and everything below it):
//
//   PCNT ─┐
//   LD06 ─┼─▶ Counting ─▶ CountBins ◀─ Store ◀─ PassantDaemon ─▶ passantd
//   CountBins ◀┘    (pure core: detection types never leave it)   passant
//
// Store, and later the uplinks, depend on CountBins only: they cannot name a crossing, an edge or a sample.
let package = Package(
    name: "passant",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "passantd", targets: ["passantd"]),
        .executable(name: "passant", targets: ["passant"]),
        .executable(name: "passant-sim", targets: ["passant-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.20.0"),
    ],
    targets: [
        // C libraries, each wrapped by exactly one Swift module.
        .systemLibrary(
            name: "CSerialPort",
            path: "Sources/CSerialPort",
            pkgConfig: "libserialport",
            providers: [.apt(["libserialport-dev"])]
        ),

        // libcurl's headers only: the library is opened at run time (see shim.h).
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        .systemLibrary(
            name: "CMosquitto",
            path: "Sources/CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),

        // The pure core: bytes and sensor time in, anonymous count bins out. No I/O, no Foundation.
        .target(name: "PCNT"),
        .target(name: "TFmini"),
        .target(name: "LD06"),
        .target(name: "CountBins"),
        .target(name: "Counting", dependencies: ["PCNT", "TFmini", "LD06", "CountBins"]),
        // Which protocol a port speaks, from its bytes (for `passant probe`).
        .target(name: "PortProbe", dependencies: ["PCNT", "TFmini"]),

        // The edges.
        .target(
            name: "Store",
            dependencies: ["CountBins", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(name: "SerialInput", dependencies: ["CSerialPort"]),
        .target(
            name: "Uplinks",
            dependencies: [
                "CountBins", "Store",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "MQTTUplink",
            dependencies: [
                "Uplinks", "CountBins", "PassantConfig", "CMosquitto",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SensorThingsUplink",
            dependencies: [
                "Uplinks", "CountBins", "PassantConfig", "CCurl",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PassantConfig",
            dependencies: ["CountBins", .product(name: "Yams", package: "Yams")]
        ),
        // The local control socket between passantd and the CLI (Unix domain, never the network).
        .target(name: "Control"),
        .target(
            name: "PassantDaemon",
            dependencies: [
                "Counting", "CountBins", "Store", "SerialInput", "PassantConfig", "Uplinks", "MQTTUplink", "SensorThingsUplink",
                "TFmini", "Control",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        // The programs.
        .executableTarget(
            name: "passantd",
            dependencies: [
                "PassantDaemon", "PassantConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Resident memory on a small gateway (scripts/field-figures): the Swift runtime and
            // Foundation linked in rather than loaded as shared libraries (no dynamic symbol lookups
            // touching their tables, nothing to install on the Pi but Debian's libraries), linked by
            // lld with packed relative relocations (DT_RELR, glibc >= 2.36: 0.3 MB of relocations
            // instead of 1.3 MB read at every start) and without exporting its symbols (-static-stdlib
            // asks for -export-dynamic, a 3.5 MB dynamic symbol table nobody looks up). With the rest
            // (one malloc arena, libcurl opened only for a SensorThings uplink): 35.6 MB resident ->
            // 24.0 MB over a simulated day.
            linkerSettings: [
                .unsafeFlags([
                    "-static-stdlib", "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                    "-Xlinker", "--no-export-dynamic",
                ]),
                // What the static Foundation libraries use but do not name themselves.
                .linkedLibrary("_FoundationICU"), .linkedLibrary("_FoundationCollections"),
                .linkedLibrary("_FoundationCShims"), .linkedLibrary("CoreFoundation"),
            ]
        ),
        .executableTarget(
            name: "passant",
            dependencies: [
                "Counting", "CountBins", "PCNT", "Store", "PassantConfig", "PassantDaemon", "Control", "SerialInput",
                "TFmini", "PortProbe", "LD06", "MQTTUplink", "SensorThingsUplink",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // The simulator plays the counter hardware byte-exact.
        .target(name: "PassantSimulator", dependencies: ["PCNT", "TFmini", "LD06"], path: "Simulator/PassantSimulator"),
        .executableTarget(
            name: "passant-sim",
            dependencies: [
                "PassantSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Simulator/passant-sim"
        ),

        // Shared by the tests that start real servers and programs.
        .target(name: "TestSupport", path: "Tests/Support"),

        .testTarget(name: "PCNTTests", dependencies: ["PCNT", "TestSupport"]),
        .testTarget(name: "TFminiTests", dependencies: ["TFmini", "TestSupport"]),
        .testTarget(name: "PortProbeTests", dependencies: ["PortProbe", "PCNT", "TFmini"]),
        .testTarget(name: "LD06Tests", dependencies: ["LD06"]),
        .testTarget(name: "CountingTests", dependencies: ["Counting", "PCNT", "LD06", "CountBins", "TestSupport"]),
        .testTarget(name: "CountBinsTests", dependencies: ["CountBins", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "CountBins"]),
        .testTarget(
            name: "UplinksTests",
            dependencies: ["Uplinks", "Store", "CountBins", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "MQTTUplinkTests",
            dependencies: ["MQTTUplink", "Uplinks", "Store", "CountBins", "PassantConfig", "TestSupport"]),
        .testTarget(
            name: "SensorThingsUplinkTests",
            dependencies: [
                "SensorThingsUplink", "Uplinks", "Store", "CountBins", "PassantConfig", "TestSupport",
                // The tests' own client for the server: independent of the uplink's.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(name: "SerialInputTests", dependencies: ["SerialInput"]),
        .testTarget(name: "PassantConfigTests", dependencies: ["PassantConfig", "CountBins"]),
        .testTarget(
            name: "PassantDaemonTests",
            dependencies: [
                "PassantDaemon", "Control", "PassantConfig", "Store", "Counting", "CountBins",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "SimulatorTests", dependencies: ["PassantSimulator", "PCNT", "TFmini", "LD06", "Counting", "CountBins"]),
        .testTarget(name: "EndToEndTests", dependencies: ["PassantSimulator", "TestSupport", "Store", "CountBins"]),
        // The node firmware (Hardware/firmware, built from the same Sources/PCNT files) running in QEMU.
        .testTarget(name: "FirmwareTests", dependencies: ["PCNT", "PassantSimulator", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
