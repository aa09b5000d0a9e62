// Loads an image-folder data set, root/<class>/*.{png,jpg,jpeg} (classes sorted by name, files by
// name within a class), every image decoded, resized to one size and converted to one channel
// count. Leaves out nested folders inside class folders and lazy (on-disk) loading.

import Foundation

/// How an image is brought to the target size.
public enum ImageFit: String, Sendable, Codable, CaseIterable {
    /// Resized to exactly the target size, aspect ratio not kept.
    case stretch
    /// Short side resized to the target's longer side, then the centred window cut out (aspect
    /// ratio kept, edges lost).
    case centerCrop
}

/// Image-folder data sets: one subfolder per class.
public enum ImageFolder {
    /// The file name extensions read, compared without regard to case.
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Reads every PNG / JPEG under `root/<class>/`, sized to `height` × `width` with `fit` and
    /// converted to `channels` (1 or 3); pixels 0…1. Hidden entries and files with other
    /// extensions are skipped. Errors name the folder or file at fault.
    public static func load(root: URL, height: Int, width: Int, channels: Int,
                            fit: ImageFit = .stretch) throws(FineTuneError) -> ImageDataset {
        guard height > 0, width > 0 else {
            throw FineTuneError(.invalidOptions, "image size \(height)×\(width) must be positive")
        }
        guard channels == 1 || channels == 3 else {
            throw FineTuneError(.invalidOptions, "\(channels) channels requested; accepted: 1 (grey) or 3 (RGB)")
        }
        let classes = try classFolders(root)
        var images = [PlanarImage](), labels = [Int]()
        for (label, folder) in classes.enumerated() {
            let files = try imageFiles(folder)
            for file in files {
                let decoded = try ImageDecoder.decode(contentsOf: file)
                var im = PlanarImage(decoded)
                switch fit {
                case .stretch: im = ImageTransforms.resize(im, height: height, width: width)
                case .centerCrop:
                    im = ImageTransforms.centerCrop(ImageTransforms.resizeShortSide(im, to: max(height, width)),
                                                    height: height, width: width)
                }
                images.append(ImageTransforms.convertChannels(im, to: channels))
                labels.append(label)
            }
        }
        return ImageDataset(images: images, labels: labels, classNames: classes.map(\.lastPathComponent))
    }

    /// The class folders under `root`, sorted by name.
    static func classFolders(_ root: URL) throws(FineTuneError) -> [URL] {
        let entries = try listing(root, what: "image-folder root")
        let folders = entries.filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
        guard !folders.isEmpty else {
            throw FineTuneError(.emptyFile, "\(root.path) has no class folders; an image-folder data set is root/<class>/<image>.png|jpg|jpeg, one subfolder per class")
        }
        return folders.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The image files of one class folder, sorted by name; a folder without any is an error.
    static func imageFiles(_ folder: URL) throws(FineTuneError) -> [URL] {
        let files = try listing(folder, what: "class folder").filter {
            extensions.contains($0.pathExtension.lowercased())
                && (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
        }
        guard !files.isEmpty else {
            throw FineTuneError(.emptyFile, "class folder \(folder.path) holds no images; accepted: files ending in .png, .jpg or .jpeg")
        }
        return files.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    private static func listing(_ folder: URL, what: String) throws(FineTuneError) -> [URL] {
        do {
            return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: [.isDirectoryKey, .isRegularFileKey],
                                                               options: [.skipsHiddenFiles])
        } catch {
            throw FineTuneError(.unreadableFile, "cannot list \(what) \(folder.path) (\(error.localizedDescription))")
        }
    }
}
