// The layout of one study directory: study.sqlite, study.yaml, logs/, checkpoints/.
// Leaves out what goes into the files (StudyStore, LogMirror, CheckpointStore).
import Foundation
import Search

/// Paths inside a study directory (`runs/<study>/`).
public struct StudyDirectory: Sendable, Equatable {
    /// The directory itself.
    public let root: URL

    /// Names a study directory; nothing is touched on disk.
    public init(_ root: URL) { self.root = root.standardizedFileURL }

    /// Names a study directory by path.
    public init(path: String) { self.init(URL(fileURLWithPath: path, isDirectory: true)) }

    /// `study.sqlite`: the durable record (WAL mode, so also `-wal` and `-shm` beside it).
    public var database: URL { root.appendingPathComponent("study.sqlite") }
    /// `study.yaml`: a copy of the study file, so the directory describes itself.
    public var studyFile: URL { root.appendingPathComponent("study.yaml") }
    /// `logs/`: one append-only text file per trial.
    public var logs: URL { root.appendingPathComponent("logs", isDirectory: true) }
    /// `checkpoints/`: the artifact store.
    public var checkpoints: URL { root.appendingPathComponent("checkpoints", isDirectory: true) }

    /// `logs/trial-<id>.log`.
    public func logFile(_ trial: TrialID) -> URL { logs.appendingPathComponent("trial-\(trial.rawValue).log") }

    /// `checkpoints/trial-<id>/`.
    public func checkpointFolder(_ trial: TrialID) -> URL {
        checkpoints.appendingPathComponent("trial-\(trial.rawValue)", isDirectory: true)
    }

    /// Path of an attempt's checkpoint relative to the root.
    public func checkpointRelativePath(_ trial: TrialID, attempt: Int) -> String {
        "checkpoints/trial-\(trial.rawValue)/attempt-\(attempt).ckpt.zip"
    }

    /// True when the directory holds a study database.
    public var isStudyDirectory: Bool { FileManager.default.fileExists(atPath: database.path) }

    /// Throws a `.notAStudyDirectory` error naming what is missing, unless this is a study directory.
    public func validate() throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw StoreError(.notAStudyDirectory,
                             "\(root.path) does not exist or is not a directory; pass the directory a coordinator was started with (--dir runs/NAME)")
        }
        guard isStudyDirectory else {
            throw StoreError(.notAStudyDirectory,
                             "\(root.path) is not a study directory: it has no study.sqlite (a study directory holds study.sqlite, study.yaml, logs/ and checkpoints/)")
        }
    }
}
