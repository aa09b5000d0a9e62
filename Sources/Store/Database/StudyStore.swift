// The durable study store: one SQLite file in WAL mode (GRDB DatabasePool) plus the log mirror and
// the checkpoint artifact store of a study directory. Opening, creating, durability and the
// transaction entry point live here. Leaves out the write operations (StoreTransaction.swift) and
// the read queries (StoreQueries.swift).
import Foundation
import GRDB
import Search
import Synchronization

/// A study directory opened for reading or writing. Safe to share across tasks: GRDB's
/// `DatabasePool` serialises writes on one connection and runs reads concurrently on others
/// (WAL), so live clients can read status while reports are being ingested.
public final class StudyStore: Sendable {
    /// Who opens the store.
    public enum Role: Sendable {
        /// The coordinator: migrates the schema, repairs the log mirror, writes.
        case writer
        /// A CLI client or a report: reads only; never changes the files.
        case reader
    }

    /// How hard a commit is pushed to disk.
    public enum Durability: String, Sendable {
        /// WAL with `synchronous=NORMAL` (the default): a commit survives a crash of the process;
        /// a power loss or kernel crash may drop the last commits but never corrupts the file.
        case normal
        /// WAL with `synchronous=FULL`: every commit is fsynced before it returns.
        case full
    }

    /// Paths of the study directory.
    public let directory: StudyDirectory
    /// Whether this handle may write.
    public let role: Role
    let pool: DatabasePool
    let mirror: LogMirror?
    let uploads = UploadDigests()
    /// False for a store written by an older coordinator and opened for reading before a newer one
    /// migrated it: it has no `trial_reports` table (and so no reports).
    let hasReports: Bool
    /// The study's objective with its constraints and second objective, parsed once from the
    /// study file (the file never changes for a store).
    let objectiveCache = Mutex<Objective?>(nil)

    private init(directory: StudyDirectory, role: Role, pool: DatabasePool, mirror: LogMirror?, hasReports: Bool = true) {
        self.directory = directory; self.role = role; self.pool = pool; self.mirror = mirror
        self.hasReports = hasReports
    }

    /// Creates a new study directory (and its parents) holding `info`, and copies the study file in.
    /// Throws `.studyExists` if the directory already holds a study.
    public static func create(_ directory: StudyDirectory, info: StudyInfo,
                              durability: Durability = .normal) throws -> StudyStore {
        if directory.isStudyDirectory {
            throw StoreError(.studyExists,
                             "\(directory.root.path) already holds a study; open it instead, or choose another --dir")
        }
        try makeFolders(directory)
        do {
            try Data(info.yaml.utf8).write(to: directory.studyFile, options: .atomic)
        } catch {
            throw StoreError(.io, "cannot write \(directory.studyFile.path): \(error.localizedDescription)")
        }
        let store = try openPool(directory, role: .writer, durability: durability)
        try store.pool.write { db in
            try db.execute(sql: """
                INSERT INTO study (id, name, yaml, objective, direction, created, state)
                VALUES (1, ?, ?, ?, ?, ?, ?)
                """, arguments: [info.name, info.yaml, info.objective, info.direction.rawValue,
                                 info.created, info.state.rawValue])
        }
        return store
    }

    /// Opens an existing study directory. A writer migrates the schema to the current version and
    /// brings the log files up to date with the database (they may lag after a crash).
    public static func open(_ directory: StudyDirectory, role: Role = .reader,
                            durability: Durability = .normal) throws -> StudyStore {
        try directory.validate()
        if role == .writer { try makeFolders(directory) }
        let store = try openPool(directory, role: role, durability: durability)
        guard try store.pool.read({ try Int.fetchOne($0, sql: "SELECT count(*) FROM study") }) == 1 else {
            throw StoreError(.notAStudyDirectory, "\(directory.database.path) holds no study row; it was never completely created")
        }
        if role == .writer { try store.repairLogMirror() }
        return store
    }

    /// Opens the study in `directory` if there is one (a restarted coordinator carries on), else
    /// creates it from `info`.
    public static func openOrCreate(_ directory: StudyDirectory, info: StudyInfo,
                                    durability: Durability = .normal) throws -> StudyStore {
        directory.isStudyDirectory
            ? try open(directory, role: .writer, durability: durability)
            : try create(directory, info: info, durability: durability)
    }

    private static func makeFolders(_ directory: StudyDirectory) throws {
        do {
            for url in [directory.root, directory.logs, directory.checkpoints] {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            }
        } catch {
            throw StoreError(.io, "cannot create study directory \(directory.root.path): \(error.localizedDescription)")
        }
    }

    private static func openPool(_ directory: StudyDirectory, role: Role, durability: Durability) throws -> StudyStore {
        var config = GRDB.Configuration()
        config.label = "study"
        // Waits for a lock held by another process (a reader checkpointing, a second client)
        // instead of failing at once.
        config.busyMode = .timeout(10)
        config.readonly = role == .reader
        do {
            let pool = try DatabasePool(path: directory.database.path, configuration: config)
            if role == .writer {
                try Schema.migrator.migrate(pool)
                // Checkpoint the WAL into the database every 8000 pages (32 MB) instead of 1000:
                // fewer rewrites of the same pages and fewer fsyncs, about 8% less CPU per report.
                try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_autocheckpoint = 8000") }
                // GRDB sets synchronous=NORMAL with WAL; FULL is opted into here.
                if durability == .full {
                    try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
                }
            }
            var hasReports = true
            if role == .reader, try pool.read({ try !Schema.migrator.hasCompletedMigrations($0) }) {
                // A store one migration behind (made before per-class reports) reads fine without
                // them; anything else needs the coordinator of its own version.
                let applied = try pool.read { try Schema.migrator.appliedIdentifiers($0) }
                let missing = Set(Schema.migrator.migrations).subtracting(applied)
                let optional: Set = [Schema.reportsMigration, Schema.coordinatorLogMigration]
                guard !missing.isEmpty, missing.isSubset(of: optional), applied.isSubset(of: Schema.migrator.migrations) else {
                    throw StoreError(.database,
                                     "\(directory.database.path) uses an older or newer schema than this rung; open it with the coordinator of the same version")
                }
                hasReports = !missing.contains(Schema.reportsMigration)
            }
            return StudyStore(directory: directory, role: role, pool: pool,
                              mirror: role == .writer ? LogMirror(directory: directory) : nil, hasReports: hasReports)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "cannot open \(directory.database.path): \(error)", cause: error)
        }
    }

    /// Runs `body` in one write transaction: everything it records commits together or not at
    /// all. Batch several reports here when draining a socket. Log lines reach the per-trial
    /// files after the commit.
    public func write<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        guard role == .writer else {
            throw StoreError(.invalidArgument, "this store was opened for reading; open it with role .writer to record")
        }
        do {
            return try pool.write { db in try body(StoreTransaction(db: db, store: self)) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "write to \(directory.database.path) failed: \(error)", cause: error)
        }
    }

    /// Runs `body` on a consistent snapshot of the database.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "read from \(directory.database.path) failed: \(error)", cause: error)
        }
    }

    /// What the schema tests check: table names, whether every migration ran, the journal mode.
    func schemaFacts() throws -> (tables: [String], migrated: Bool, journalMode: String?) {
        try read { db in
            (try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb%' ORDER BY name
                """),
             try Schema.migrator.hasCompletedMigrations(db),
             try String.fetchOne(db, sql: "PRAGMA journal_mode"))
        }
    }

    /// Folds the WAL into `study.sqlite` and empties it (`PRAGMA wal_checkpoint(TRUNCATE)`), so
    /// the database file alone is a complete, consistent copy of the study. Returns false when a
    /// reader kept part of the WAL from being folded (the study is still whole with its `-wal`).
    @discardableResult
    public func checkpointWAL() throws -> Bool {
        guard role == .writer else { return false }
        do {
            return try pool.writeWithoutTransaction { db in
                let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                return (row?[0] as Int? ?? 1) == 0
            }
        } catch {
            throw StoreError(.database, "cannot checkpoint \(directory.database.path): \(error)", cause: error)
        }
    }

    /// Closes the database. Later calls throw. Dropping the last reference closes it as well.
    public func close() throws {
        mirror?.closeAll()
        do { try pool.close() } catch {
            throw StoreError(.database, "cannot close \(directory.database.path): \(error)", cause: error)
        }
    }
}
