// Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017) from Debian's dataset-fashion-mnist package: the
// gzipped IDX files under /usr/share/datasets/fashion-mnist, 60,000 training and 10,000 test
// images of 28×28 grey, ten classes. Leaves out downloading: deploy/setup.sh installs the package.

import Foundation

/// The Fashion-MNIST data set as installed by Debian's `dataset-fashion-mnist`.
public enum FashionMNIST {
    /// Where Debian installs the files.
    public static let defaultDirectory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    /// The two published splits.
    public enum Split: String, Sendable, CaseIterable {
        /// 60,000 images, 6,000 per class.
        case train
        /// 10,000 images, 1,000 per class.
        case test

        /// The file name prefix of the split ("train", "t10k").
        var prefix: String { self == .train ? "train" : "t10k" }
    }

    /// Whether both files of `split` are present in `directory` (gzipped or not).
    public static func isAvailable(_ split: Split = .train, directory: URL = defaultDirectory) -> Bool {
        file(split, "images-idx3-ubyte", in: directory) != nil && file(split, "labels-idx1-ubyte", in: directory) != nil
    }

    /// One split as an ImageDataset (1×28×28, pixels / 255, `ImageDataset.fashionMNISTClasses`).
    /// When the files are absent, the error says how to install them.
    public static func load(_ split: Split, directory: URL = defaultDirectory) throws(FineTuneError) -> ImageDataset {
        guard let images = file(split, "images-idx3-ubyte", in: directory),
              let labels = file(split, "labels-idx1-ubyte", in: directory) else {
            throw FineTuneError(.unreadableFile, "Fashion-MNIST is not installed: \(directory.path)/\(split.prefix)-images-idx3-ubyte.gz and \(split.prefix)-labels-idx1-ubyte.gz are missing; run deploy/setup.sh (it runs apt-get install dataset-fashion-mnist)")
        }
        let set = try IDXImageSet.read(images: images, labels: labels)
        return try ImageDataset(idx: set, classNames: ImageDataset.fashionMNISTClasses)
    }

    private static func file(_ split: Split, _ stem: String, in directory: URL) -> URL? {
        for name in ["\(split.prefix)-\(stem).gz", "\(split.prefix)-\(stem)"] {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return nil
    }
}
