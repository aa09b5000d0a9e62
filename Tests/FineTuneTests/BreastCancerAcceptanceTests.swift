// Acceptance on real data: `rung train`'s defaults on the Wisconsin breast-cancer table with 20%
// of its feature values blanked (written by scripts/fetch-breast-cancer.sh into data/) must reach
// at least 0.95 test accuracy. Skipped, with a message, when the file has not been fetched.

import Foundation
import Testing
@testable import FineTune

private let breastCancerCSV = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("data/breast_cancer.csv")

@Test(.enabled(if: FileManager.default.fileExists(atPath: breastCancerCSV.path),
               "data/breast_cancer.csv is absent: run scripts/fetch-breast-cancer.sh to enable this test"))
func breastCancerReachesNinetyFivePercentWithDefaults() throws {
    var config = TabularTrialConfig()
    config.data = breastCancerCSV.path
    config.target = "diagnosis"
    let result = try TabularTask.run(config: config)
    let test = try #require(result.test)
    #expect(result.classNames == ["benign", "malignant"])
    #expect(test.accuracy >= 0.95, "test accuracy \(test.accuracy)")
}
