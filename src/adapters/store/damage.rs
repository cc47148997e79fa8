//! A damaged database is set aside (never deleted) and a fresh one started, so postured keeps
//! working and the old data stays there for salvage.

use super::{Opened, Store};
use crate::adapters::clock;
use anyhow::Context;
use rusqlite::{Connection, ErrorCode};
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};

/// `PRAGMA quick_check` found a problem; the text is its first complaint.
#[derive(Debug)]
struct Damaged(String);

impl std::fmt::Display for Damaged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "quick_check: {}", self.0)
    }
}

impl std::error::Error for Damaged {}

/// The cheap check, once at open: page structure and the like, not index contents.
pub(super) fn quick_check(conn: &Connection) -> anyhow::Result<()> {
    let mut stmt = conn.prepare("PRAGMA quick_check(5)")?;
    let lines: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    match lines.as_slice() {
        [ok] if ok == "ok" => Ok(()),
        _ => Err(Damaged(lines.join("; ")).into()),
    }
}

/// Only SQLite's own verdicts count as damage. Anything else (busy, read-only, full, can't
/// open, a newer schema) is reported as it is, with the file left alone.
pub(super) fn is_damaged(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause.is::<Damaged>()
            || cause
                .downcast_ref::<rusqlite::Error>()
                .and_then(rusqlite::Error::sqlite_error_code)
                .is_some_and(|code| matches!(code, ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase))
    })
}

/// Sets the damaged database at `path` aside and opens a fresh one there.
pub(super) fn start_afresh(dir: &Path, path: &Path, why: &anyhow::Error) -> anyhow::Result<Opened> {
    // One process at a time: two `postured log`s finding the damage together must not both move
    // files, or the second would set aside the first one's fresh database.
    let lock = File::open(dir).with_context(|| format!("can't open the state folder {}", dir.display()))?;
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive)
        .with_context(|| format!("can't lock the state folder {}", dir.display()))?;
    // Whoever held the lock before us may have done it already.
    match Store::open_file(path) {
        Ok(store) => return Ok(Opened { store, recovered_from: None, damage: String::new() }),
        Err(e) if is_damaged(&e) => {}
        Err(e) => return Err(e),
    }
    let kept = set_aside(dir, path).with_context(|| {
        format!("the database {} is damaged ({why:#}) and can't be set aside", path.display())
    })?;
    let store = Store::open_file(path)?;
    // SQLite's own words ("file is not a database"), without the paths and contexts around them.
    let damage = why
        .chain()
        .find(|c| c.is::<Damaged>() || c.is::<rusqlite::Error>())
        .map_or_else(|| format!("{why:#}"), ToString::to_string);
    Ok(Opened { store, recovered_from: Some(kept), damage })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = OsString::from(path.as_os_str());
    s.push(suffix);
    PathBuf::from(s)
}

/// Renames the database to `<name>.corrupt-<UTC time>`, its `-wal` and `-shm` to that name
/// plus `-wal` and `-shm` (so SQLite still finds them together when someone salvages it).
fn set_aside(dir: &Path, path: &Path) -> anyhow::Result<PathBuf> {
    let stamp = clock::now().format("%Y%m%dT%H%M%SZ");
    let base = with_suffix(path, &format!(".corrupt-{stamp}"));
    // Never replace an earlier kept copy, e.g. from a second recovery within the same second.
    let kept = (1..)
        .map(|n| if n == 1 { base.clone() } else { with_suffix(&base, &format!(".{n}")) })
        .find(|k| ["", "-wal", "-shm"].iter().all(|s| with_suffix(k, s).symlink_metadata().is_err()))
        .expect("some name is free");
    // The companions first: a `-wal` left behind would be replayed into the fresh database.
    for suffix in ["-wal", "-shm"] {
        let side = with_suffix(path, suffix);
        if side.symlink_metadata().is_ok() {
            std::fs::rename(&side, with_suffix(&kept, suffix))
                .with_context(|| format!("can't rename {}", side.display()))?;
        }
    }
    std::fs::rename(path, &kept).with_context(|| format!("can't rename {}", path.display()))?;
    // Make the renames themselves durable before anything is written to the fresh file.
    File::open(dir).and_then(|d| d.sync_all()).with_context(|| format!("can't sync {}", dir.display()))?;
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Area;
    use chrono::{TimeZone, Utc};
    use std::io::{Seek, SeekFrom, Write};

    fn now() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
    }

    fn kept_files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.contains(".corrupt-"))
            .collect();
        names.sort();
        names
    }

    fn neck(severity: u8, note: Option<&str>) -> super::super::NewReport<'_> {
        super::super::NewReport { at: now(), area: Area::Neck, severity, symptoms: &[], note, source: "cli" }
    }

    #[test]
    fn a_file_that_is_not_a_database_is_kept_aside_and_a_fresh_one_started() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(super::super::FILE_NAME);
        let junk = "these are my notes, not a database\n".repeat(200);
        std::fs::write(&path, &junk).unwrap();
        std::fs::write(with_suffix(&path, "-wal"), "wal bytes").unwrap();
        let opened = Store::open(dir.path()).unwrap();
        let kept = opened.recovered_from.clone().expect("recovered");
        let warning = opened.warning().unwrap();
        assert!(warning.contains("was damaged (file is not a database)"), "{warning}");
        assert!(warning.contains(&format!("kept as {}", kept.display())), "{warning}");
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), junk, "kept byte for byte");
        assert_eq!(std::fs::read_to_string(with_suffix(&kept, "-wal")).unwrap(), "wal bytes");
        let name = kept.file_name().unwrap().to_str().unwrap();
        let stamp = name.strip_prefix("postured.sqlite3.corrupt-").unwrap();
        assert!(chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ").is_ok(), "{name}");
        let store = opened.store;
        store.log_discomfort(&neck(4, None), now()).unwrap();
        assert_eq!(store.reports_since(now()).unwrap().len(), 1);
        drop(store);
        let again = Store::open(dir.path()).unwrap();
        assert!(again.warning().is_none(), "the fresh one is healthy");
        let kept_name = kept.file_name().unwrap().to_str().unwrap();
        let shm_too = [kept_name.to_owned(), format!("{kept_name}-shm"), format!("{kept_name}-wal")];
        assert_eq!(kept_files(dir.path()), shm_too, "nothing else set aside");
    }

    #[test]
    fn a_database_failing_quick_check_is_kept_aside_and_earlier_copies_survive() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap().store;
        for i in 0..200 {
            store.log_discomfort(&neck(5, Some(&format!("note {i} {}", "x".repeat(200)))), now()).unwrap();
        }
        let path = store.path().to_owned();
        drop(store);
        // Scribble over a page in the middle, header intact: SQLite still opens it.
        let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let len = f.metadata().unwrap().len();
        f.seek(SeekFrom::Start(len / 2 / 4096 * 4096)).unwrap();
        f.write_all(&[0xA5; 4096]).unwrap();
        drop(f);
        let damaged = std::fs::read(&path).unwrap();
        // Pretend an earlier recovery in this same second already used the plain name.
        let stamp = clock::now().format("%Y%m%dT%H%M%SZ");
        let earlier = with_suffix(&path, &format!(".corrupt-{stamp}"));
        std::fs::write(&earlier, "earlier").unwrap();

        let opened = Store::open(dir.path()).unwrap();
        let kept = opened.recovered_from.clone().expect("recovered");
        assert!(opened.warning().unwrap().contains("was damaged ("), "{:?}", opened.warning());
        assert_eq!(std::fs::read(&kept).unwrap(), damaged);
        assert_eq!(std::fs::read_to_string(&earlier).unwrap(), "earlier", "never replaced");
        assert!(opened.store.reports_since(now()).unwrap().is_empty());
    }

    #[test]
    fn other_failures_are_not_damage_and_leave_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        Store::open(dir.path()).unwrap();
        // The database path is a folder: can't open, but nothing to set aside.
        let other = tempfile::tempdir().unwrap();
        std::fs::create_dir(other.path().join(super::super::FILE_NAME)).unwrap();
        let err = Store::open(other.path()).err().unwrap();
        assert!(!is_damaged(&err), "{err:#}");
        assert!(kept_files(other.path()).is_empty());
    }

    #[test]
    fn a_full_disk_fails_the_write_clearly_and_keeps_what_was_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap().store;
        let first = store.log_discomfort(&neck(6, Some("before")), now()).unwrap();
        // Cap the file at its current size: the next pages can't be had, as on a full disk.
        let pages: i64 = store.conn.pragma_query_value(None, "page_count", |r| r.get(0)).unwrap();
        store.conn.pragma_update(None, "max_page_count", pages).unwrap();
        let note = "x".repeat(900);
        let err = (0..100)
            .find_map(|_| store.log_discomfort(&neck(6, Some(&note)), now()).err())
            .expect("the database fills up");
        let code = err.downcast_ref::<rusqlite::Error>().and_then(rusqlite::Error::sqlite_error_code);
        assert_eq!(code, Some(ErrorCode::DiskFull), "{err:#}");
        assert!(err.to_string().contains("database or disk is full"), "{err:#}");
        drop(store);
        let opened = Store::open(dir.path()).unwrap();
        assert!(opened.warning().is_none());
        let reports = opened.store.reports_since(now()).unwrap();
        assert_eq!((reports[0].id, reports[0].note.as_deref()), (first, Some("before")));
    }

    #[test]
    fn commits_are_durable_before_they_are_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap().store;
        let mode: String = store.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        let sync: i64 = store.conn.pragma_query_value(None, "synchronous", |r| r.get(0)).unwrap();
        assert_eq!((mode.as_str(), sync), ("wal", 2), "WAL with synchronous = FULL");
    }
}
