//! The SQLite store in `$XDG_STATE_HOME/postured/`: limit and planner state (so a restart keeps
//! the day's budget), every reminder shown with its outcome, and discomfort reports.

use crate::core::Kind;
use anyhow::{Context, bail};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, TransactionBehavior, params};
use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

mod advice;
mod damage;
mod data;
mod discomfort;
mod identity;
mod planner_state;
mod private;
mod wipe;

pub use advice::{AdviceRow, Given};
pub use data::{Counts, Forgotten};
pub use discomfort::{NewReport, Report};

/// Each entry moves the schema one version up; `PRAGMA user_version` says how many ran.
const MIGRATIONS: &[&str] = &[
    // 1: planner state, reminders and their outcomes, discomfort reports.
    "CREATE TABLE planner_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        json TEXT NOT NULL,
        saved_at TEXT NOT NULL
    );
    CREATE TABLE reminders (
        id INTEGER PRIMARY KEY,
        shown_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        entry TEXT,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        outcome TEXT,
        outcome_at TEXT
    );
    CREATE INDEX reminders_shown_at ON reminders (shown_at);
    CREATE TABLE discomfort (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        logged_at TEXT NOT NULL,
        area TEXT NOT NULL,
        severity INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 10),
        note TEXT,
        source TEXT NOT NULL
    );
    CREATE INDEX discomfort_at ON discomfort (at);",
    // 2: symptoms on reports, and every piece of care advice given with its reason.
    "ALTER TABLE discomfort ADD COLUMN symptoms TEXT NOT NULL DEFAULT '';
    CREATE TABLE care_advice (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        area TEXT NOT NULL,
        reason TEXT NOT NULL,
        report INTEGER,
        why TEXT NOT NULL,
        summary TEXT NOT NULL,
        body TEXT NOT NULL,
        outcome TEXT,
        outcome_at TEXT
    );
    CREATE INDEX care_advice_at ON care_advice (at);",
    // 3: natural breaks: time away (locked, asleep, idle) long enough to count as a break.
    "CREATE TABLE natural_breaks (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        away_from TEXT NOT NULL,
        back_at TEXT NOT NULL,
        cause TEXT NOT NULL
    );
    CREATE INDEX natural_breaks_back_at ON natural_breaks (back_at);",
    // 4: report ids are never reused (AUTOINCREMENT), even after `forget` deleted the newest:
    // the care state remembers which reports' warning signs were shown by id.
    "CREATE TABLE discomfort_v4 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        logged_at TEXT NOT NULL,
        area TEXT NOT NULL,
        severity INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 10),
        note TEXT,
        source TEXT NOT NULL,
        symptoms TEXT NOT NULL DEFAULT ''
    );
    INSERT INTO discomfort_v4 (id, at, logged_at, area, severity, note, source, symptoms)
        SELECT id, at, logged_at, area, severity, note, source, symptoms FROM discomfort;
    DROP TABLE discomfort;
    ALTER TABLE discomfort_v4 RENAME TO discomfort;
    CREATE INDEX discomfort_at ON discomfort (at);",
    // 5: planner state that could not be read, kept rather than dropped; and a mark that text
    // `forget` deleted is still in the files, for the next open to wipe.
    "CREATE TABLE planner_state_rejected (
        id INTEGER PRIMARY KEY,
        json TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        rejected_at TEXT NOT NULL,
        why TEXT NOT NULL
    );
    CREATE TABLE wipe_pending (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        since TEXT NOT NULL
    );",
    // 6: where each piece of care advice was shown: `notification` (all advice before this
    // version was), `terminal` (`postured log`) or `dbus` (another program's `Log` call).
    "ALTER TABLE care_advice ADD COLUMN shown_in TEXT NOT NULL DEFAULT 'notification';",
    // 7: self-reported pops of the upper back (`postured log --popped`, `LogPop`, the
    // self-mobilisation reminder's button), for the popping note and reports.
    "CREATE TABLE pops (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        logged_at TEXT NOT NULL,
        source TEXT NOT NULL
    );
    CREATE INDEX pops_at ON pops (at);",
];

pub const FILE_NAME: &str = "postured.sqlite3";

/// Runs migration `i` (from 0) in a write transaction of its own, unless another process has
/// already. The transaction also marks the file as postured's: a process killed between two
/// migrations, or another one opening the store meanwhile, must never find tables of ours in a
/// file without our id, which would look like another program's database.
fn migrate_step(conn: &mut Connection, i: usize, sql: &str) -> anyhow::Result<()> {
    // Two processes opening a new store at once must not both run a migration: take the write
    // lock first, then look again.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let done: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if done > i as i64 {
        return Ok(());
    }
    tx.execute_batch(sql).with_context(|| format!("schema migration {}", i + 1))?;
    tx.pragma_update(None, "user_version", (i + 1) as i64)?;
    tx.pragma_update(None, "application_id", identity::APPLICATION_ID)?;
    tx.commit()?;
    Ok(())
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// A store just opened, and whether a damaged database had to be set aside for it.
pub struct Opened {
    pub store: Store,
    /// Where the damaged database was kept when a fresh one was started in its place.
    pub recovered_from: Option<PathBuf>,
    /// What was wrong with it, for the warning.
    damage: String,
}

impl Opened {
    /// What callers must tell the user (loudly) when a damaged database was set aside.
    pub fn warning(&self) -> Option<String> {
        self.recovered_from.as_ref().map(|kept| {
            format!(
                "the database {} was damaged ({}); it was kept as {} and a new one was started",
                self.store.path.display(),
                self.damage,
                kept.display()
            )
        })
    }
}

/// A reminder row, for `status`, statistics and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownRow {
    pub id: i64,
    pub shown_at: DateTime<Utc>,
    pub kind: String,
    pub title: String,
    pub outcome: Option<String>,
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

/// The state folder, created private (0700) if it is missing, made private if it was not.
fn ensure_dir(dir: &Path) -> anyhow::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("can't create the state folder {}", dir.display()))?;
    private::secure_folder(dir)
}

impl Store {
    /// Opens (creating if needed) the store in `dir`: the folder 0700, the file 0600. A file that
    /// is not a database or fails `PRAGMA quick_check` is set aside, never deleted, and a fresh
    /// database started; see [`Opened::warning`].
    pub fn open(dir: &Path) -> anyhow::Result<Opened> {
        ensure_dir(dir)?;
        let path = dir.join(FILE_NAME);
        match Store::open_file(&path) {
            Err(e) if damage::is_damaged(&e) => damage::start_afresh(dir, &path, &e),
            other => other.map(|store| Opened { store, recovered_from: None, damage: String::new() }),
        }
    }

    /// Opens the store for a command that reads (plan, report, export, forget): a damaged
    /// database is reported, not set aside, since a running daemon may have it open; the daemon
    /// or `postured log` sets it aside.
    pub fn open_to_read(dir: &Path) -> anyhow::Result<Store> {
        ensure_dir(dir)?;
        let path = dir.join(FILE_NAME);
        Store::open_file(&path).map_err(|e| {
            if damage::is_damaged(&e) {
                e.context(format!(
                    "the database {} looks damaged; the daemon or `postured log` will keep it aside and start a new one",
                    path.display()
                ))
            } else {
                e
            }
        })
    }

    fn open_file(path: &Path) -> anyhow::Result<Store> {
        private::refuse_foreign_files(path)?;
        // Create the file with its final permissions before SQLite opens it.
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("can't open {} for writing", path.display()))?;
        let conn =
            Connection::open(path).with_context(|| format!("can't open the database {}", path.display()))?;
        // Until it passes quick_check, closing must not checkpoint into (or delete the `-wal` of)
        // what may be a damaged database we are about to keep aside.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // Both before anything is written: another program's database stays as it is, and SQLite
        // copies the database's mode to a `-wal` it creates.
        identity::refuse_foreign(&conn, path)?;
        private::tighten_files(path)?;
        Store::prepare(&conn).with_context(|| format!("can't open the database {}", path.display()))?;
        let mut store = Store { conn, path: path.to_owned() };
        store.migrate()?;
        identity::claim(&store.conn)?;
        store.finish_pending_wipe()?;
        // SQLite may have made the `-wal` and `-shm` just now.
        private::tighten_files(path)?;
        Ok(store)
    }

    fn prepare(conn: &Connection) -> anyhow::Result<()> {
        // WAL lets `postured log` write while the daemon reads; FULL makes every commit durable
        // before we tell the user it was logged.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        damage::quick_check(conn)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn migrate(&mut self) -> anyhow::Result<()> {
        let version = self.schema_version()?;
        if version > MIGRATIONS.len() {
            bail!(
                "{} was written by a newer postured (schema {version}, this one knows {}); update postured",
                self.path.display(),
                MIGRATIONS.len()
            );
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            migrate_step(&mut self.conn, i, sql)?;
        }
        Ok(())
    }

    pub fn schema_version(&self) -> anyhow::Result<usize> {
        let v: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        Ok(v.max(0) as usize)
    }

    /// Records a reminder shown as row `row` (the daemon's engine numbers them, see
    /// `last_rows`).
    pub fn record_shown(
        &self,
        row: i64,
        at: DateTime<Utc>,
        kind: Kind,
        entry: Option<&str>,
        title: &str,
        body: &str,
    ) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT INTO reminders (id, shown_at, kind, entry, title, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![row, ts(at), kind.as_str(), entry, title, body],
        )?;
        Ok(())
    }

    /// The highest reminder and care-advice rows so far, for numbering new ones.
    pub fn last_rows(&self) -> anyhow::Result<(i64, i64)> {
        let max = |table: &str| -> anyhow::Result<i64> {
            Ok(self.conn.query_row(&format!("SELECT coalesce(max(id), 0) FROM {table}"), [], |r| r.get(0))?)
        };
        Ok((max("reminders")?, max("care_advice")?))
    }

    /// Sets a reminder's outcome once; a later outcome for the same reminder is ignored
    /// (e.g. the close that follows a button press).
    pub fn record_outcome(&self, reminder: i64, outcome: &str, at: DateTime<Utc>) -> anyhow::Result<bool> {
        let n = self.conn.execute(
            "UPDATE reminders SET outcome = ?1, outcome_at = ?2 WHERE id = ?3 AND outcome IS NULL",
            params![outcome, ts(at), reminder],
        )?;
        Ok(n == 1)
    }

    /// Records that time away from `from` to `to` counted as a break of `kind`; `cause` says
    /// how the absence was seen, e.g. `locked+idle`.
    pub fn record_natural_break(
        &self,
        kind: Kind,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        cause: &str,
    ) -> anyhow::Result<i64> {
        self.conn.execute(
            "INSERT INTO natural_breaks (kind, away_from, back_at, cause) VALUES (?1, ?2, ?3, ?4)",
            params![kind.as_str(), ts(from), ts(to), cause],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn shown_since(&self, since: DateTime<Utc>) -> anyhow::Result<Vec<ShownRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, shown_at, kind, title, outcome FROM reminders WHERE shown_at >= ?1 ORDER BY shown_at, id",
        )?;
        let rows = stmt.query_map(params![ts(since)], |r| {
            Ok(ShownRow {
                id: r.get(0)?,
                shown_at: parse_ts(&r.get::<_, String>(1)?)?,
                kind: r.get(2)?,
                title: r.get(3)?,
                outcome: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Area, PlannerState, Symptom};
    use chrono::TimeZone;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn creates_private_files_migrates_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let state_dir = dir.path().join("state/postured");
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
        {
            let store = Store::open(&state_dir).unwrap().store;
            assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
            assert_eq!(store.load_planner_state().unwrap(), None);
            let state = PlannerState { ignored_in_a_row: 2, ..Default::default() };
            store.save_planner_state(&state, now).unwrap();
            let id = 1;
            store.record_shown(id, now, Kind::Stretch, Some("chin-tuck"), "T", "B").unwrap();
            assert!(store.record_outcome(id, "done", now).unwrap());
            assert!(!store.record_outcome(id, "dismissed", now).unwrap(), "the first outcome stands");
            let symptoms = [Symptom::Tingling, Symptom::Night];
            let report = NewReport {
                at: now,
                area: Area::Neck,
                severity: 6,
                symptoms: &symptoms,
                note: Some("after a call"),
                source: "cli",
            };
            store.log_discomfort(&report, now).unwrap();
            let back = now + chrono::Duration::minutes(7);
            assert_eq!(store.record_natural_break(Kind::Movement, now, back, "locked").unwrap(), 1);
        }
        let store = Store::open(&state_dir).unwrap().store;
        assert_eq!(store.load_planner_state().unwrap().unwrap().ignored_in_a_row, 2);
        let shown = store.shown_since(now).unwrap();
        assert_eq!((shown[0].kind.as_str(), shown[0].outcome.as_deref()), ("stretch", Some("done")));
        let reports = store.reports_since(now).unwrap();
        assert_eq!((reports[0].area, reports[0].severity), (Area::Neck, 6));
        assert_eq!(reports[0].note.as_deref(), Some("after a call"));
        assert_eq!(reports[0].symptoms, [Symptom::Tingling, Symptom::Night]);
        let cause: String = store
            .conn
            .query_row("SELECT cause FROM natural_breaks WHERE kind = 'movement'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(cause, "locked");
        assert_eq!(std::fs::metadata(&state_dir).unwrap().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(store.path()).unwrap().mode() & 0o777, 0o600);
    }

    /// Collects what tracing logs while `f` runs, one line per event with its level.
    fn logged_while<T>(f: impl FnOnce() -> T) -> (T, String) {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Lines(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber =
            tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
        let out = tracing::subscriber::with_default(subscriber, f);
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        (out, text)
    }

    fn store_planner_json(store: &Store, json: &str) {
        store
            .conn
            .execute(
                "INSERT OR REPLACE INTO planner_state (id, json, saved_at) VALUES (1, ?1, '2026-06-01T09:00:00.000Z')",
                [json],
            )
            .unwrap();
    }

    #[test]
    fn planner_state_with_unknown_and_missing_keys_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap().store;
        // From another version: `due`, `held` and most of `limits` missing, a key we don't know.
        let json = r#"{"ignored_in_a_row": 2, "from_a_newer_postured": [1, 2],
            "limits": {"paused_until": "2026-06-01T12:00:00Z", "also_new": true},
            "care": {"warned": [7]}}"#;
        store_planner_json(&store, json);
        let state = store.load_planner_state().unwrap().expect("loads");
        assert_eq!(state.ignored_in_a_row, 2);
        assert_eq!(state.limits.paused_until, Some(Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()));
        assert!(state.care.warned.contains(&7));
        assert!(state.due.is_empty() && state.limits.shown.is_empty());
    }

    #[test]
    fn planner_state_that_does_not_parse_is_kept_aside_and_logged_as_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap().store;
        store_planner_json(&store, "{\"ignored_in_a_row\": 2, cut off");
        let (loaded, log) = logged_while(|| store.load_planner_state());
        assert_eq!(loaded.unwrap(), None, "starts from defaults");
        let line = log.lines().find(|l| l.contains("planner state")).unwrap_or_else(|| panic!("{log}"));
        assert!(line.contains("ERROR"), "{line}");
        assert!(line.contains("today's counts") && line.contains("planner_state_rejected"), "{line}");
        let (json, saved_at): (String, String) = store
            .conn
            .query_row("SELECT json, saved_at FROM planner_state_rejected", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(
            (json.as_str(), saved_at.as_str()),
            ("{\"ignored_in_a_row\": 2, cut off", "2026-06-01T09:00:00.000Z")
        );
        // Set aside once: the next load is quiet and the next save starts over.
        let (again, log) = logged_while(|| store.load_planner_state());
        assert_eq!((again.unwrap(), log.as_str()), (None, ""));
        let kept: i64 =
            store.conn.query_row("SELECT count(*) FROM planner_state_rejected", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 1);
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused_not_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap().store;
        store.conn.pragma_update(None, "user_version", 99).unwrap();
        drop(store);
        let err = Store::open(dir.path()).err().unwrap().to_string();
        assert!(err.contains("was written by a newer postured (schema 99"), "{err}");
    }

    #[test]
    fn severity_outside_0_to_10_never_reaches_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap().store;
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
        let r =
            NewReport { at: now, area: Area::Neck, severity: 11, symptoms: &[], note: None, source: "cli" };
        assert!(store.log_discomfort(&r, now).is_err());
    }
}
