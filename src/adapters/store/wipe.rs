//! Wiping deleted text out of the files, not just out of the tables: `VACUUM` rebuilds the
//! database without free pages, and a truncating checkpoint copies that into the file and empties
//! the `-wal`. While another connection is in the middle of a read, the checkpoint can't finish;
//! it is retried for a bounded time, and if it still can't, a marker in `wipe_pending` makes the
//! next open of the store finish the job.

use super::{Store, ts};
use crate::adapters::clock;
use rusqlite::{Connection, OptionalExtension, params};
use std::time::{Duration, Instant};

/// How long `forget` waits for readers to finish before saying it couldn't wipe.
pub(super) const FORGET_PATIENCE: Duration = Duration::from_secs(5);
/// How long an open waits to finish a pending wipe: opens must stay quick, and the marker keeps.
const OPEN_PATIENCE: Duration = Duration::from_millis(500);
/// What every connection waits for a lock (see `Store::open_file`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Rebuilds the database and checkpoints it into the file, retrying while readers hold old
/// snapshots for up to `patience`. True when nothing deleted is left in the files.
pub(super) fn wipe(conn: &Connection, patience: Duration) -> anyhow::Result<bool> {
    conn.execute_batch("VACUUM")?;
    let deadline = Instant::now() + patience;
    // Our own loop, not SQLite's busy handler, so the bound is ours and each try is quick.
    conn.busy_timeout(Duration::ZERO)?;
    let done = checkpoint_until(conn, deadline);
    conn.busy_timeout(BUSY_TIMEOUT)?;
    done
}

fn checkpoint_until(conn: &Connection, deadline: Instant) -> anyhow::Result<bool> {
    let mut pause = Duration::from_millis(10);
    loop {
        // (busy, frames in the log, frames checkpointed): done when nothing blocked it and
        // every frame made it into the file; TRUNCATE then empties the log (0, 0, 0).
        let (busy, log, checkpointed): (i64, i64, i64) =
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        if busy == 0 && log == checkpointed {
            return Ok(true);
        }
        if Instant::now() + pause > deadline {
            return Ok(false);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}

impl Store {
    /// Notes that deleted text is still in the files, for the next open to wipe.
    pub(super) fn mark_wipe_pending(&self) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT INTO wipe_pending (id, since) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
            params![ts(clock::now())],
        )?;
        Ok(())
    }

    /// Finishes a wipe that `forget` couldn't; if readers still hold it up, says so in the log
    /// and leaves the marker for the next open. Never fails the open for it.
    pub(super) fn finish_pending_wipe(&self) -> anyhow::Result<()> {
        let since: Option<String> = self
            .conn
            .query_row("SELECT since FROM wipe_pending WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        let Some(since) = since else { return Ok(()) };
        match wipe(&self.conn, OPEN_PATIENCE) {
            Ok(true) => {
                // The marker's own removal leaves only its tiny page in the `-wal`.
                self.conn.execute("DELETE FROM wipe_pending", [])?;
                tracing::info!("wiped the text `forget` deleted on {since} from the database file");
            }
            Ok(false) => tracing::warn!(
                "text `forget` deleted on {since} is still in the database file: another program holds it \
                 open; it will be wiped the next time the store is opened"
            ),
            Err(e) => tracing::warn!("can't wipe the text `forget` deleted on {since} yet: {e:#}"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{FILE_NAME, NewReport, Store};
    use super::*;
    use crate::core::Area;
    use chrono::{TimeZone, Utc};

    const SECRET: &str = "a secret only the user should ever see";

    fn files_holding_the_secret(dir: &std::path::Path) -> Vec<String> {
        ["", "-wal", "-shm"]
            .map(|suffix| format!("{FILE_NAME}{suffix}"))
            .into_iter()
            .filter(|name| {
                let bytes = std::fs::read(dir.join(name)).unwrap_or_default();
                bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes())
            })
            .collect()
    }

    #[test]
    fn a_wipe_held_up_by_a_reader_is_marked_and_finished_by_the_next_open() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
        let report = NewReport {
            at: now,
            area: Area::Neck,
            severity: 3,
            symptoms: &[],
            note: Some(SECRET),
            source: "cli",
        };
        Store::open(dir.path()).unwrap().store.log_discomfort(&report, now).unwrap();
        assert_eq!(files_holding_the_secret(dir.path()), [FILE_NAME]);

        let reader = Connection::open(dir.path().join(FILE_NAME)).unwrap();
        reader.execute_batch("BEGIN; SELECT count(*) FROM discomfort;").unwrap();
        let store = Store::open(dir.path()).unwrap().store;
        store.conn.execute("DELETE FROM discomfort", []).unwrap();
        assert!(!wipe(&store.conn, Duration::from_millis(50)).unwrap(), "held up");
        store.mark_wipe_pending().unwrap();
        assert!(!files_holding_the_secret(dir.path()).is_empty());
        // Another open while the read goes on: still held up, the marker stays.
        Store::open(dir.path()).unwrap();
        let pending =
            |s: &Store| s.conn.query_row("SELECT count(*) FROM wipe_pending", [], |r| r.get::<_, i64>(0));
        assert_eq!(pending(&store).unwrap(), 1);

        reader.execute_batch("COMMIT").unwrap();
        // Both connections stay open, so no close-time checkpoint can do the work for us.
        let again = Store::open(dir.path()).unwrap().store;
        assert_eq!(files_holding_the_secret(dir.path()), Vec::<String>::new());
        assert_eq!(pending(&again).unwrap(), 0);
        drop(store);
    }
}
