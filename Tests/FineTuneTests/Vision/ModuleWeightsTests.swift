// Loading named weights into a module's parameters and buffers: values land by name, and missing,
// extra or misshapen entries are refused with their names; excluded prefixes (a new head) are skipped.

import Testing
import Tensors
@testable import FineTune

private func smallNet() -> Sequential {
    var rng = SplitMix64(seed: 2)
    return Sequential([Conv2d(2, 3, kernelSize: 1, generator: &rng), BatchNorm2d(channels: 3),
                       Linear(inFeatures: 3, outFeatures: 2, generator: &rng)])
}

private func weights() -> [String: TensorData] {
    [
        "0.weight": TensorData(shape: [3, 2, 1, 1], floats: [1, 2, 3, 4, 5, 6]),
        "0.bias": TensorData(shape: [3], floats: [0.5, 0.25, 0.125]),
        "1.weight": TensorData(shape: [3], floats: [2, 2, 2]),
        "1.bias": TensorData(shape: [3], floats: [-1, 0, 1]),
        "1.running_mean": TensorData(shape: [3], floats: [0.1, 0.2, 0.3]),
        "1.running_var": TensorData(shape: [3], floats: [1.5, 2.5, 3.5]),
        "1.num_batches_tracked": TensorData(shape: [], ints: [42]),
        "2.weight": TensorData(shape: [2, 3], floats: [1, 0, 0, 0, 1, 0]),
        "2.bias": TensorData(shape: [2], floats: [9, 8]),
    ]
}

private func message(_ body: () throws(FineTuneError) -> Void) -> String {
    do { try body(); return "no error" } catch { return error.message }
}

@Test func loadWeightsFillsParametersAndBuffersByName() throws {
    let net = smallNet()
    try net.loadWeights(weights())
    let bn = try #require(net.layers[1] as? BatchNorm2d)
    #expect((net.layers[0] as? Conv2d)?.weight.scalars == [1, 2, 3, 4, 5, 6])
    #expect(bn.runningVar.scalars == [1.5, 2.5, 3.5] && bn.numBatchesTracked == 42)
    #expect((net.layers[2] as? Linear)?.bias?.scalars == [9, 8])

    var missing = weights(); missing["1.running_mean"] = nil
    #expect(message { () throws(FineTuneError) in try smallNet().loadWeights(missing) } == "weights lack \"1.running_mean\" (shape [3])")
    var extra = weights(); extra["3.weight"] = TensorData(shape: [1], floats: [0])
    #expect(message { () throws(FineTuneError) in try smallNet().loadWeights(extra) } == "weights hold \"3.weight\", which the model does not have")
    var misshapen = weights(); misshapen["2.weight"] = TensorData(shape: [3, 2], floats: [1, 0, 0, 0, 1, 0])
    #expect(message { () throws(FineTuneError) in try smallNet().loadWeights(misshapen) } == "weights for \"2.weight\" have shape [3, 2], the model needs [2, 3]")

    // A new head: the checkpoint's head is misshapen for it, and excluded.
    let fresh = smallNet()
    let headBefore = (fresh.layers[2] as? Linear)?.weight.scalars
    try fresh.loadWeights(misshapen, excluding: ["2."])
    #expect((fresh.layers[2] as? Linear)?.weight.scalars == headBefore)
    #expect((fresh.layers[0] as? Conv2d)?.weight.scalars == [1, 2, 3, 4, 5, 6])

    fresh.setBatchNormStatisticsFrozen(true)
    #expect((fresh.layers[1] as? BatchNorm2d)?.freezeStatistics == true)
}
