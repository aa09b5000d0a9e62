// swift-tools-version: 6.1
// Rung — distributed hyperparameter search for fine-tuning.
// The targets and their `dependencies:` lists are the architecture: dependencies point down only.
//
//   rung (RungCLI)                      argument parsing, wiring, terminal output
//   RungLab                             benchmarks, training outside a study, model zoo (`rung` lists them apart)
//   Dashboard  StudyViews               HTTP server (Hummingbird, SSE, /metrics) · pure HTML/SVG pictures
//   Runtime                             coordinator and worker processes: sockets, timers, files
//   Wire    Store    FineTune  Simulator protocol+ZeroMQ · SQLite · models/data/training · virtual time
//   Search           Tensors            pure logic: spaces, samplers, schedulers · tensors+autodiff
//   RungBasics                          seeded randomness (SplitMix64), SHA-256, the JSON kit (tree, parser, writer)
//   CZeroMQ  CImageCodecs  CBLAS        system libraries
import PackageDescription

let package = Package(
    name: "Rung",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rung", targets: ["RungCLI"]),
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "FineTune", targets: ["FineTune"]),
        .library(name: "Search", targets: ["Search"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries. Only Tensors imports CBLAS; only Wire imports CZeroMQ.
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZeroMQ", path: "Sources/CZeroMQ",
            providers: [.apt(["libzmq3-dev"])]),
        // PNG and JPEG decoding (libpng, libjpeg-turbo) behind a small C shim whose setjmp error
        // handling turns library failures into messages. Only FineTune imports it.
        .target(name: "CImageCodecs", path: "Sources/CImageCodecs",
                linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg")]),

        // Pure logic. RungBasics (one generator, one hash, one JSON reader and writer) sits under every
        // module that needs them.
        .target(name: "RungBasics", exclude: ["README.md"]),
        .target(name: "Tensors", dependencies: ["CBLAS"], exclude: ["README.md"]),
        .target(name: "Search", dependencies: ["RungBasics", .product(name: "Yams", package: "Yams")], exclude: ["README.md"]),

        // Models, data, training; virtual-time driver of the search engine.
        .target(name: "FineTune", dependencies: ["RungBasics", "Tensors", "CImageCodecs", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
                exclude: ["README.md"]),
        .target(name: "Simulator", dependencies: [
            "RungBasics", "Search", .product(name: "HeapModule", package: "swift-collections"),
        ], exclude: ["README.md"]),

        // Edges: protocol over ZeroMQ, durable store.
        .target(name: "Wire", dependencies: ["CZeroMQ", "RungBasics", "Search"], exclude: ["README.md"]),
        .target(name: "Store", dependencies: ["RungBasics", "Search", .product(name: "GRDB", package: "GRDB.swift")],
                exclude: ["README.md"]),

        // Long-running processes.
        .target(name: "Runtime", dependencies: [
            "RungBasics", "Search", "Wire", "Store", "FineTune",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ], exclude: ["README.md"]),

        // Pictures of a study: pure HTML/SVG views and importances (StudyViews), served live over
        // HTTP with SSE and Prometheus metrics (Dashboard, the only target that pulls in SwiftNIO).
        .target(name: "StudyViews", dependencies: ["RungBasics", "Search", "Store"], exclude: ["README.md"]),
        .target(name: "Dashboard", dependencies: [
            "StudyViews", "Store", "Search",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], exclude: ["README.md"]),

        // The lab: benchmarks, training outside a study, pretraining and the zoo (`rung train`,
        // `rung bench …`), apart from the front door and from the library targets.
        .target(name: "RungLab", dependencies: [
            "RungBasics", "Tensors", "FineTune", "Search", "Wire", "Store", "Runtime", "CZeroMQ",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], exclude: ["README.md"]),

        .executableTarget(name: "RungCLI", dependencies: [
            "Tensors", "FineTune", "Search", "Simulator", "Wire", "Store", "Runtime", "StudyViews", "Dashboard", "RungLab",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Test support shared by the process tests (the `rung` binary, watched children, a study in a
        // temporary directory). Only test targets depend on it; no product builds it.
        .target(name: "RungTestKit", dependencies: ["Runtime"], path: "Tests/RungTestKit"),

        .testTarget(name: "RungBasicsTests", dependencies: ["RungBasics"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "FineTuneTests", dependencies: ["FineTune", "Tensors"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SearchTests", dependencies: [
            "Search", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "SimulatorTests", dependencies: ["RungBasics", "Simulator", "Search"]),
        .testTarget(name: "WireTests", dependencies: [
            "Wire", "RungBasics", "Search", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "StoreTests", dependencies: ["RungBasics", "Store", "Search"]),
        .testTarget(name: "DashboardTests", dependencies: ["StudyViews", "Dashboard", "Store", "Search", "Runtime", "RungTestKit", "RungBasics"]),
        .testTarget(name: "RuntimeTests", dependencies: ["RungBasics", "Runtime", "Store", "Wire", "Search", "FineTune", "RungTestKit",
                                                   .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        // Deployment: network-namespace hosts, the release tarball, systemd / Slurm / Kubernetes kit
        // (scripts in deploy/, run as real processes).
        .testTarget(name: "DeployTests", dependencies: []),
    ]
)
