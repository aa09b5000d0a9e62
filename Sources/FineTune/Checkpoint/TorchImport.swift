// Converting a PyTorch checkpoint's tensors to safetensors under the same names (`rung zoo import`).
// Half-precision tensors (F16, BF16) are widened exactly to F32, since the safetensors writer
// writes only F32, F64, I64 and I32. Non-tensor entries are left out.

import Foundation

extension TorchCheckpoint {
    /// The tensors ready for `SafeTensors.write`: F16 and BF16 widened to F32 (exact), others as
    /// they are; `widened` names the tensors whose type changed.
    public func safeTensorsReady() -> (tensors: [String: TensorData], widened: [String]) {
        var out = tensors
        var widened = [String]()
        for name in names {
            guard let t = tensors[name], t.dtype == .f16 || t.dtype == .bf16 else { continue }
            out[name] = TensorData(shape: t.shape, floats: t.floats)
            widened.append(name)
        }
        return (out, widened)
    }

    /// Reads the checkpoint at `source` and writes its tensors to a safetensors file at `destination`
    /// with metadata `format: pt` and the source file's name. Returns what was read.
    @discardableResult
    public static func importToSafeTensors(_ source: URL, destination: URL) throws(FineTuneError) -> (checkpoint: TorchCheckpoint, widened: [String]) {
        let ckpt = try read(source)
        guard !ckpt.names.isEmpty else {
            throw FineTuneError(.invalidCheckpoint, "\(source.path) holds no tensors (entries: \(ckpt.skipped.joined(separator: ", ")))")
        }
        let (tensors, widened) = ckpt.safeTensorsReady()
        try SafeTensors.write(tensors, metadata: ["format": "pt", "source": source.lastPathComponent], to: destination)
        return (ckpt, widened)
    }
}
