// Loading named weights (a safetensors file or a PyTorch checkpoint read as TensorData) into a
// module's parameters and buffers by their dotted PyTorch names, strictly: every name present with
// its exact shape. `num_batches_tracked` entries are accepted and set on the batch norms they name.

import Tensors

extension Module {
    /// Copies `weights` into every parameter and buffer (`namedParameters()` + `namedBuffers()`),
    /// checking names and shapes. Names starting with one of `excluding` (a new classifier head,
    /// `"_fc."`) are neither required nor loaded, in the model or in the weights. Throws
    /// `FineTuneError` naming the first missing, extra or misshapen entry.
    public func loadWeights(_ weights: [String: TensorData], excluding: [String] = []) throws(FineTuneError) {
        func excluded(_ name: String) -> Bool { excluding.contains { name.hasPrefix($0) } }
        let targets = (namedParameters() + namedBuffers()).filter { !excluded($0.name) }
        let known = Set(targets.map(\.name))
        var batchNorms: [String: BatchNorm2d] = [:]
        collectBatchNorms(prefix: "", into: &batchNorms)
        for name in weights.keys.sorted() where !known.contains(name) && !excluded(name) {
            if name.hasSuffix("num_batches_tracked"), let bn = batchNorms[String(name.dropLast("num_batches_tracked".count))] {
                if let n = weights[name]?.ints?.first { bn.setBatchesTracked(Int(n)) }
                continue
            }
            throw FineTuneError(.invalidCheckpoint, "weights hold \"\(name)\", which the model does not have")
        }
        for (name, tensor) in targets {
            guard let w = weights[name] else {
                throw FineTuneError(.invalidCheckpoint, "weights lack \"\(name)\" (shape \(tensor.shape))")
            }
            guard w.shape == tensor.shape else {
                throw FineTuneError(.invalidCheckpoint, "weights for \"\(name)\" have shape \(w.shape), the model needs \(tensor.shape)")
            }
            tensor.assign(w.floats)
        }
    }

    private func collectBatchNorms(prefix: String, into map: inout [String: BatchNorm2d]) {
        if let bn = self as? BatchNorm2d { map[prefix] = bn }
        for (name, child) in children { child.collectBatchNorms(prefix: prefix + name + ".", into: &map) }
    }
}

extension BatchNorm2d {
    func setBatchesTracked(_ n: Int) {
        loadStatistics(mean: runningMean.scalars, variance: runningVar.scalars, batchesTracked: n)
    }
}

extension Module {
    /// Sets `freezeStatistics` on every BatchNorm2d in the tree (the "BatchNorm frozen" strategy:
    /// running statistics normalise and stay fixed while the rest trains).
    public func setBatchNormStatisticsFrozen(_ frozen: Bool) {
        for case let bn as BatchNorm2d in modules() { bn.freezeStatistics = frozen }
    }
}
