// A labelled set of same-sized images held in memory as floats 0…1, channels first ([N, C, H, W]),
// the one shape every image loader (IDX, image folders) produces and every image task consumes.
// Also the selections a transfer-learning study needs: a class subset relabelled 0…k−1, seeded
// few-shot subsets (k images per class) and batches as tensors. Leaves out decoding and transforms.

import Foundation
import Tensors

/// Labelled images of one size, pixels 0…1, channels first.
public struct ImageDataset: Sendable, Equatable {
    /// Channels per image (1 grey, 3 RGB).
    public var channels: Int
    /// Image height in pixels.
    public var height: Int
    /// Image width in pixels.
    public var width: Int
    /// Every image's pixels, [count, channels, height, width] row-major, 0…1.
    public var pixels: [Float]
    /// Class index of each image, 0..<classNames.count.
    public var labels: [Int]
    /// The name of each class index.
    public var classNames: [String]

    /// Makes a data set; stops with a message when the sizes do not agree.
    public init(channels: Int, height: Int, width: Int, pixels: [Float], labels: [Int], classNames: [String]) {
        precondition(channels > 0 && height > 0 && width > 0, "ImageDataset: image size \(channels)×\(height)×\(width) must be positive")
        precondition(pixels.count == labels.count * channels * height * width,
                     "ImageDataset: \(pixels.count) pixels do not make \(labels.count) images of \(channels)×\(height)×\(width)")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classNames.count },
                     "ImageDataset: a label is outside 0..<\(classNames.count)")
        self.channels = channels; self.height = height; self.width = width
        self.pixels = pixels; self.labels = labels; self.classNames = classNames
    }

    /// Number of images.
    public var count: Int { labels.count }
    /// Number of classes.
    public var classCount: Int { classNames.count }
    /// Floats per image.
    public var imageSize: Int { channels * height * width }

    /// Images per class, indexed by class.
    public var classCounts: [Int] {
        var c = [Int](repeating: 0, count: classCount)
        for l in labels { c[l] += 1 }
        return c
    }

    /// The pixels of image `i`, [channels, height, width] row-major.
    public func image(_ i: Int) -> ArraySlice<Float> {
        precondition(i >= 0 && i < count, "ImageDataset.image: index \(i) is outside 0..<\(count)")
        return pixels[(i * imageSize)..<((i + 1) * imageSize)]
    }

    /// The images `indices`, in that order.
    public func subset(_ indices: [Int]) -> ImageDataset {
        var out = [Float]()
        out.reserveCapacity(indices.count * imageSize)
        for i in indices { out.append(contentsOf: image(i)) }
        return ImageDataset(channels: channels, height: height, width: width, pixels: out,
                            labels: indices.map { labels[$0] }, classNames: classNames)
    }

    /// Only the images of `classes`, relabelled by their position in `classes` (the source / target
    /// split of a transfer study: classes [5, 6, 7, 8, 9] become 0…4).
    public func selectingClasses(_ classes: [Int]) throws(FineTuneError) -> ImageDataset {
        guard !classes.isEmpty, Set(classes).count == classes.count else {
            throw FineTuneError(.invalidOptions, "a class selection needs distinct classes; got \(classes)")
        }
        for c in classes where c < 0 || c >= classCount {
            throw FineTuneError(.invalidOptions, "class \(c) is not in this data set; accepted: 0…\(classCount - 1) (\(classNames.joined(separator: ", ")))")
        }
        var position = [Int](repeating: -1, count: classCount)
        for (p, c) in classes.enumerated() { position[c] = p }
        let keep = labels.indices.filter { position[labels[$0]] >= 0 }
        var out = subset(keep)
        out.labels = out.labels.map { position[$0] }
        out.classNames = classes.map { classNames[$0] }
        return out
    }

    /// A seeded few-shot subset: `perClass` images of every class (all of a class that has fewer),
    /// chosen uniformly without replacement; order is by class, then by original position.
    public func fewShot(perClass: Int, seed: UInt64) throws(FineTuneError) -> ImageDataset {
        guard perClass > 0 else {
            throw FineTuneError(.invalidOptions, "a few-shot subset needs at least 1 image per class; got \(perClass)")
        }
        var byClass = [[Int]](repeating: [], count: classCount)
        for (i, l) in labels.enumerated() { byClass[l].append(i) }
        var rng = SplitMix64(seed: seed)
        var keep = [Int]()
        for var members in byClass {
            rng.shuffle(&members)
            keep.append(contentsOf: members.prefix(perClass).sorted())
        }
        return subset(keep)
    }

    /// The images `indices` as a tensor [k, channels, height, width] and their labels.
    public func batch(_ indices: [Int]) -> (images: Tensor, labels: [Int]) {
        var out = [Float](repeating: 0, count: indices.count * imageSize)
        out.withUnsafeMutableBufferPointer { dst in
            pixels.withUnsafeBufferPointer { src in
                for (r, i) in indices.enumerated() {
                    precondition(i >= 0 && i < count, "ImageDataset.batch: index \(i) is outside 0..<\(count)")
                    (dst.baseAddress! + r * imageSize).update(from: src.baseAddress! + i * imageSize, count: imageSize)
                }
            }
        }
        return (Tensor(shape: [indices.count, channels, height, width], scalars: out), indices.map { labels[$0] })
    }
}

extension ImageDataset {
    /// Images from an IDX pair (MNIST layout): one channel, pixel / 255; classes named by
    /// `classNames`, or "0", "1", … when nil.
    public init(idx set: IDXImageSet, classNames: [String]? = nil) throws(FineTuneError) {
        let classes = (set.labels.max() ?? -1) + 1
        let names = classNames ?? (0..<classes).map(String.init)
        guard names.count >= classes else {
            throw FineTuneError(.invalidIDX, "the labels go up to \(classes - 1) but only \(names.count) class names were given")
        }
        self.init(channels: 1, height: set.height, width: set.width, pixels: set.pixels.map { Float($0) / 255 },
                  labels: set.labels, classNames: names)
    }

    /// Fashion-MNIST's ten class names, in label order.
    public static let fashionMNISTClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
}
