// The text-encoder catalogue: its parameter count is the encoder's, and it matches the real
// all-MiniLM-L6-v2 weights when scripts/fetch-minilm.sh has fetched them.
import Foundation
import Testing
@testable import FineTune

@Test func textZooParameterCountIsTheEncoders() {
    var g = SplitMix64(seed: 1)
    let small = BertConfig(vocabSize: 50, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2,
                           intermediateSize: 16, maxPositionEmbeddings: 12)
    #expect(TextZoo.parameterCount(small) == BertEncoder(config: small, generator: &g).parameterCount)
}

@Test func textZooEntryMatchesTheFetchedMiniLM() throws {
    let entry = try TextZoo.entry("all-minilm-l6-v2")
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let directory = root.appendingPathComponent(entry.directory)
    #expect(entry.weightsSource.contains("53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"))
    #expect(throws: FineTuneError.self) { try TextZoo.entry("no-such-encoder") }
    guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path) else {
        print("skipped: \(directory.path) is absent (scripts/fetch-minilm.sh)")
        return
    }
    let config = try BertConfig.load(contentsOf: directory.appendingPathComponent("config.json"))
    #expect(config == entry.config)
}
