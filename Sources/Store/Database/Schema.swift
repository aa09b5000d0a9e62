// The SQLite schema of `study.sqlite`, as GRDB migrations. Add a new migration for every change;
// never edit a released one. Leaves out queries (StoreTransaction.swift, StoreQueries.swift).
import GRDB

enum Schema {
    /// The migration that added `trial_reports`; a reader tolerates a store that lacks only it.
    static let reportsMigration = "v3-trial-reports"
    /// The migration that added `coordinator_log`; a reader tolerates a store that lacks it (and the reports).
    static let coordinatorLogMigration = "v4-coordinator-log"

    /// All migrations, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // One row: the study this file belongs to.
            try db.execute(sql: """
                CREATE TABLE study (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    name TEXT NOT NULL,
                    yaml TEXT NOT NULL,
                    objective TEXT NOT NULL,
                    direction TEXT NOT NULL,
                    created REAL NOT NULL,
                    state TEXT NOT NULL
                );
                -- The search engine's input log, replayed in seq order on restart.
                CREATE TABLE engine_events (
                    seq INTEGER PRIMARY KEY,
                    event TEXT NOT NULL,
                    now REAL NOT NULL
                );
                CREATE TABLE trials (
                    id INTEGER PRIMARY KEY,
                    config TEXT NOT NULL,
                    state TEXT NOT NULL,
                    bracket INTEGER NOT NULL,
                    rung INTEGER,
                    resource REAL NOT NULL DEFAULT 0,
                    value REAL,
                    attempt INTEGER NOT NULL DEFAULT 0,
                    attempt_open INTEGER NOT NULL DEFAULT 0,
                    worker TEXT,
                    created REAL NOT NULL,
                    updated REAL NOT NULL,
                    error TEXT
                );
                CREATE INDEX trials_state ON trials(state, rung);
                CREATE TABLE attempts (
                    trial INTEGER NOT NULL REFERENCES trials(id),
                    attempt INTEGER NOT NULL,
                    worker TEXT NOT NULL,
                    from_resource REAL NOT NULL,
                    to_resource REAL NOT NULL,
                    started REAL NOT NULL,
                    ended REAL,
                    outcome TEXT,
                    PRIMARY KEY (trial, attempt)
                ) WITHOUT ROWID;
                -- A rung result is counted once per trial, whatever attempt reports it.
                CREATE TABLE rung_results (
                    trial INTEGER NOT NULL REFERENCES trials(id),
                    rung INTEGER NOT NULL,
                    resource REAL NOT NULL,
                    value REAL, -- NULL stands for NaN (SQLite stores NaN as NULL)
                    metrics TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    recorded REAL NOT NULL,
                    PRIMARY KEY (trial, rung)
                ) WITHOUT ROWID;
                -- One row per REPORT, appended in arrival order; (trial, attempt, seq) makes a resent report a no-op.
                CREATE TABLE epoch_metrics (
                    id INTEGER PRIMARY KEY,
                    trial INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,
                    seq INTEGER NOT NULL,
                    epoch INTEGER NOT NULL,
                    metrics TEXT NOT NULL,
                    time REAL NOT NULL,
                    UNIQUE (trial, attempt, seq)
                );
                -- Log lines and scheduler decisions in one ordered stream (the id is the cursor).
                CREATE TABLE journal (
                    id INTEGER PRIMARY KEY,
                    time REAL NOT NULL,
                    trial INTEGER,
                    attempt INTEGER,
                    seq INTEGER,
                    worker TEXT,
                    stream TEXT,
                    decision TEXT,
                    text TEXT NOT NULL
                );
                CREATE UNIQUE INDEX journal_line ON journal(trial, attempt, seq) WHERE decision IS NULL;
                CREATE INDEX journal_trial ON journal(trial, id);
                CREATE TABLE workers (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    host TEXT NOT NULL,
                    slots INTEGER NOT NULL,
                    last_heartbeat REAL NOT NULL,
                    state TEXT NOT NULL,
                    joined REAL NOT NULL
                );
                CREATE TABLE checkpoints (
                    trial INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,
                    resource REAL NOT NULL,
                    path TEXT NOT NULL,
                    bytes INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    created REAL NOT NULL,
                    PRIMARY KEY (trial, attempt)
                );
                """)
        }
        // How many coordinator journal records the store holds, written in the same transaction
        // as their rows, so a restarted coordinator can project the ones a crash left out.
        migrator.registerMigration("v2-journal-position") { db in
            try db.execute(sql: "ALTER TABLE study ADD COLUMN journal_position INTEGER NOT NULL DEFAULT 0")
        }
        // The per-class report of each trial's final model (the `report` of PAUSED / DONE): one row
        // per trial, the latest attempt's. A store made before it simply has no reports.
        migrator.registerMigration(reportsMigration) { db in
            try db.execute(sql: """
                CREATE TABLE trial_reports (
                    trial INTEGER PRIMARY KEY REFERENCES trials(id),
                    attempt INTEGER NOT NULL,
                    resource REAL NOT NULL,
                    report TEXT NOT NULL, -- ClassReport as JSON (non-finite numbers as "nan", "inf", "-inf")
                    recorded REAL NOT NULL
                ) WITHOUT ROWID
                """)
        }
        // The coordinator's log, the study's one source of truth: every `JournalRecord` (as a JSON
        // line) in the same transaction as the rows it becomes, so the two can never disagree.
        // It replaces the separate `coordinator.journal` file (migrated into here on first open).
        migrator.registerMigration(coordinatorLogMigration) { db in
            try db.execute(sql: "CREATE TABLE coordinator_log (seq INTEGER PRIMARY KEY, record TEXT NOT NULL)")
            // Why a worker is quarantined (a machine fault), shown by `rung status`.
            try db.execute(sql: "ALTER TABLE workers ADD COLUMN note TEXT")
        }
        return migrator
    }
}
