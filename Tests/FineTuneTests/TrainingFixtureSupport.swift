// Loading of the PyTorch reference fixtures used by the optimizer, layer and training tests.
// Fixtures are JSON written by scripts/fixtures/*.py and committed; tests never run Python.

import Foundation

/// The bytes of `Fixtures/<name>` from the test bundle.
func trainingFixtureData(_ name: String) throws -> Data {
    guard let base = Bundle.module.resourceURL else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "test bundle has no resources"])
    }
    return try Data(contentsOf: base.appendingPathComponent("Fixtures").appendingPathComponent(name))
}

/// True when `a` and `b` agree within `abs + rel·|b|`.
func close(_ a: Double, _ b: Double, abs: Double = 1e-6, rel: Double = 1e-5) -> Bool {
    Swift.abs(a - b) <= abs + rel * Swift.abs(b)
}

/// The repository's root directory (this file is Tests/FineTuneTests/TrainingFixtureSupport.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// EfficientNet-Lite0's ImageNet checkpoint as scripts/fetch-efficientnet-lite0.sh leaves it.
let efficientNetLite0Weights = repositoryRoot.appendingPathComponent("data/models/efficientnet-lite0-57934424.pth")
