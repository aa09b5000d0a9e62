// The per-channel normalisations pretrained backbones expect, applied to pixels 0…1 just before
// the model (after any augmentation): ImageNet mean/std, and EfficientNet-Lite's (x·255 − 127)/128.
// Leaves out computing statistics from a data set.

import Foundation
import Tensors

/// How pixel values 0…1 are mapped before they enter a model.
public enum ImageNormalization: Sendable, Hashable {
    /// Pixels unchanged.
    case none
    /// (x − mean) / std with torchvision's ImageNet statistics
    /// (mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225; RGB).
    case imageNet
    /// (x·255 − 127) / 128, the TF-Lite-style input of EfficientNet-Lite (about −0.99…1.0).
    case efficientNetLite
    /// (x − mean[c]) / std[c] per channel; one value each applies to every channel.
    case meanStd(mean: [Float], std: [Float])

    /// The ImageNet channel means (RGB).
    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    /// The ImageNet channel standard deviations (RGB).
    public static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    /// The affine map of channel `c` of `channels`: normalised = x · scale + shift.
    public func scaleAndShift(channel c: Int, of channels: Int) -> (scale: Float, shift: Float) {
        func affine(_ mean: [Float], _ std: [Float]) -> (Float, Float) {
            precondition(mean.count == std.count && (mean.count == 1 || mean.count == channels),
                         "ImageNormalization: \(mean.count) means and \(std.count) stds for \(channels) channels; give 1 or \(channels) of each")
            let m = mean.count == 1 ? mean[0] : mean[c], s = std.count == 1 ? std[0] : std[c]
            precondition(s > 0, "ImageNormalization: std \(s) of channel \(c) must be positive")
            return (1 / s, -m / s)
        }
        switch self {
        case .none: return (1, 0)
        case .imageNet: return affine(Self.imageNetMean, Self.imageNetStd)
        case .efficientNetLite: return (255.0 / 128.0, -127.0 / 128.0)
        case let .meanStd(mean, std): return affine(mean, std)
        }
    }

    /// Normalises `pixels` in place, laid out [N, channels, plane] with `plane` = H·W.
    public func apply(to pixels: inout [Float], channels: Int, plane: Int) {
        if case .none = self { return }
        precondition(channels > 0 && plane > 0 && pixels.count % (channels * plane) == 0,
                     "ImageNormalization.apply: \(pixels.count) values are not whole images of \(channels)×\(plane)")
        let maps = (0..<channels).map { scaleAndShift(channel: $0, of: channels) }
        pixels.withUnsafeMutableBufferPointer { p in
            var o = 0
            while o < p.count {
                for (scale, shift) in maps {
                    for i in o..<(o + plane) { p[i] = p[i] * scale + shift }
                    o += plane
                }
            }
        }
    }

    /// A batch tensor [N, C, H, W] normalised (a new tensor without gradient history).
    public func apply(to images: Tensor) -> Tensor {
        precondition(images.shape.count == 4, "ImageNormalization.apply: expects [N, C, H, W], got \(images.shape)")
        if case .none = self { return images }
        var values = images.scalars
        apply(to: &values, channels: images.shape[1], plane: images.shape[2] * images.shape[3])
        return Tensor(shape: images.shape, scalars: values)
    }

    /// One image normalised.
    public func apply(to image: PlanarImage) -> PlanarImage {
        var out = image
        apply(to: &out.pixels, channels: image.channels, plane: image.height * image.width)
        return out
    }
}
