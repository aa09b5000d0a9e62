// The train / validation / test images of one image trial, drawn from an IDX pair of files
// (train and t10k): a class selection relabelled 0…k−1, k training images per class, validation
// from the remaining training images, test from the t10k images of the same classes; and the
// input adaptation a backbone needs (channel replication, resize, normalisation).
// Leaves out image folders (one folder per class) for now.
import Foundation
import Tensors

/// Train, validation and test images of one trial.
public struct ImageSplits: Sendable {
    public var train: ImageDataset
    public var validation: ImageDataset
    public var test: ImageDataset
}

extension ImageSplits {
    /// The files of an IDX directory: `<stem>-images-idx3-ubyte` and `<stem>-labels-idx1-ubyte`,
    /// gzipped (`.gz`) or not.
    public static func idxFiles(_ directory: String, stem: String) throws(FineTuneError) -> (URL, URL) {
        let dir = URL(fileURLWithPath: directory, isDirectory: true)
        func find(_ base: String) throws(FineTuneError) -> URL {
            for name in [base + ".gz", base] {
                let u = dir.appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: u.path) { return u }
            }
            var hint = ""
            if directory == ImageTrialConfig.fashionMNISTDirectory {
                hint = "; Fashion-MNIST comes from Debian's dataset-fashion-mnist package (sudo apt-get install dataset-fashion-mnist, or deploy/setup.sh)"
            }
            throw FineTuneError(.unreadableFile, "\(directory) holds no \(base)(.gz)\(hint)")
        }
        return (try find("\(stem)-images-idx3-ubyte"), try find("\(stem)-labels-idx1-ubyte"))
    }

    /// Reads the IDX training and test files of `directory` (class names of Fashion-MNIST when
    /// there are ten classes).
    public static func readIDX(_ directory: String) throws(FineTuneError) -> (train: ImageDataset, test: ImageDataset) {
        let (trImages, trLabels) = try idxFiles(directory, stem: "train")
        let (teImages, teLabels) = try idxFiles(directory, stem: "t10k")
        let tr = try IDXImageSet.read(images: trImages, labels: trLabels)
        let te = try IDXImageSet.read(images: teImages, labels: teLabels)
        let classes = max(tr.labels.max() ?? 0, te.labels.max() ?? 0) + 1
        let names = classes == 10 ? ImageDataset.fashionMNISTClasses : nil
        return (try ImageDataset(idx: tr, classNames: names), try ImageDataset(idx: te, classNames: names))
    }

    /// The trial's splits out of the full training and test sets: `config.classes`, then per class
    /// `shots` training images (all that validation leaves when nil) and `validationPerClass`
    /// validation images, disjoint, drawn with `splitSeed`; test = the test images of those classes
    /// (`testPerClass` of each when set).
    public static func make(train fullTrain: ImageDataset, test fullTest: ImageDataset,
                            config: ImageTrialConfig) throws(FineTuneError) -> ImageSplits {
        let classes = config.classes ?? Array(0..<fullTrain.classCount)
        let pool = try fullTrain.selectingClasses(classes)
        var test = try fullTest.selectingClasses(classes)
        var byClass = [[Int]](repeating: [], count: classes.count)
        for (i, l) in pool.labels.enumerated() { byClass[l].append(i) }
        var rng = SplitMix64(seed: SplitMix64.derivedSeed(config.splitSeed, purpose: 10, index: 0))
        var trainRows: [Int] = [], validationRows: [Int] = []
        for (c, var members) in byClass.enumerated() {
            let need = config.validationPerClass + (config.shots ?? 1)
            guard members.count >= need else {
                throw FineTuneError(.invalidOptions, "class \(classes[c]) (\(pool.classNames[c])) has \(members.count) training images; \(config.validationPerClass) for validation and \(config.shots ?? 1) for training do not fit")
            }
            rng.shuffle(&members)
            validationRows += members.prefix(config.validationPerClass)
            let rest = members.dropFirst(config.validationPerClass)
            trainRows += config.shots.map { Array(rest.prefix($0)) } ?? Array(rest)
        }
        if let t = config.testPerClass { test = try test.fewShot(perClass: t, seed: SplitMix64.derivedSeed(config.splitSeed, purpose: 11, index: 0)) }
        return ImageSplits(train: pool.subset(trainRows.sorted()), validation: pool.subset(validationRows.sorted()), test: test)
    }
}

/// How images are prepared for a backbone built for another input size or channel count: the
/// whole data set is converted to the backbone's channels (grey replicated to RGB) and resized
/// (bilinear) once per trial; each batch is normalised after augmentation.
public struct InputAdapter: Sendable, Hashable {
    /// Target channels, height, width.
    public var shape: [Int]
    /// The normalisation of each batch (EfficientNet-Lite's weights expect `.efficientNetLite`).
    public var normalization: ImageNormalization

    /// An adapter to `shape`.
    public init(shape: [Int], normalization: ImageNormalization = .none) {
        self.shape = shape
        self.normalization = normalization
    }

    /// The whole data set at the target channels and size (pixels stay 0…1).
    public func apply(_ data: ImageDataset) -> ImageDataset {
        var out = data
        if out.channels != shape[0] { out = out.withChannels(shape[0]) }
        if out.height != shape[1] || out.width != shape[2] { out = out.resized(height: shape[1], width: shape[2]) }
        return out
    }
}
