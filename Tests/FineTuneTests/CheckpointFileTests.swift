// The checkpoint file layout the three tasks share (CheckpointFile): a tabular checkpoint written by
// an earlier build (Fixtures/safetensors/tabular-checkpoint-v1.safetensors, from `rung train
// --epochs 2 --hidden 8` on the synthetic table) still loads, resumes, and is written back byte for
// byte; a checkpoint of one task is refused by another's reader with a message naming both.

import Foundation
import Testing
@testable import FineTune

@Suite struct CheckpointFileTests {
    private func fixture() throws -> URL {
        try #require(Bundle.module.url(forResource: "tabular-checkpoint-v1", withExtension: "safetensors",
                                       subdirectory: "Fixtures/safetensors"))
    }

    @Test func anEarlierTabularCheckpointLoadsAndIsWrittenBackUnchanged() throws {
        let url = try fixture()
        let checkpoint = try TabularCheckpoint(contentsOf: url)
        #expect(checkpoint.epoch == 2 && checkpoint.config.epochs == 2 && checkpoint.config.hidden == [8])
        #expect(checkpoint.history.map(\.epoch) == [1, 2])
        #expect(checkpoint.shapes["layers.0.weight"]?.last == checkpoint.preprocessor.featureNames.count)
        #expect(!checkpoint.optimizerState.isEmpty && checkpoint.stepCount > 0)
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("rung-ckpt-\(UUID().uuidString.prefix(8)).safetensors")
        defer { try? FileManager.default.removeItem(at: copy) }
        try checkpoint.write(to: copy)
        #expect(try Data(contentsOf: copy) == Data(contentsOf: url))
    }

    @Test func anEarlierTabularCheckpointResumes() throws {
        let checkpoint = try TabularCheckpoint(contentsOf: try fixture())
        var config = checkpoint.config
        config.epochs = 3
        let result = try TabularTask.run(config: config, fromEpoch: 2, checkpoint: checkpoint)
        #expect(result.completedEpochs == 3 && result.history.map(\.epoch) == [1, 2, 3])
        #expect(result.checkpoint.stepCount > checkpoint.stepCount)
    }

    @Test func anotherTasksCheckpointIsRefusedByName() throws {
        let url = try fixture()
        #expect {
            _ = try ImageCheckpoint(contentsOf: url)
        } throws: { error in
            "\(error)".contains("is not a Rung image checkpoint") && "\(error)".contains("rung-tabular-checkpoint-1")
        }
        #expect {
            _ = try TextCheckpoint(contentsOf: url)
        } throws: { error in
            "\(error)".contains("is not a Rung text checkpoint")
        }
    }
}
