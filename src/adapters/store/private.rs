//! The store's files are the user's alone: the state folder 0700, the database and its `-wal`
//! and `-shm` 0600, also when they existed before with looser modes. A folder or file that
//! belongs to another user is refused, never changed.

use anyhow::{Context, bail};
use std::ffi::OsString;
use std::fs::Metadata;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The database and the files SQLite keeps beside it in WAL mode.
pub(super) fn database_files(db: &Path) -> [PathBuf; 3] {
    ["", "-wal", "-shm"].map(|suffix| {
        let mut name = OsString::from(db.as_os_str());
        name.push(suffix);
        PathBuf::from(name)
    })
}

/// Refuses a folder or file another user owns; we neither use nor change someone else's files.
fn refuse_foreign_owner(path: &Path, meta: &Metadata, us: u32) -> anyhow::Result<()> {
    if meta.uid() != us {
        bail!(
            "{} belongs to another user (uid {}, you are {us}); postured won't use or change it. \
             Give it back to your user (chown) or move it away",
            path.display(),
            meta.uid()
        );
    }
    Ok(())
}

fn our_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Clears the group and other bits of `path` if any are set, keeping the owner's: 0755 becomes
/// 0700, 0644 becomes 0600, and a read-only 0500 stays as it is.
fn tighten(path: &Path, meta: &Metadata) -> anyhow::Result<()> {
    let mode = meta.mode() & 0o7777;
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))
            .with_context(|| format!("can't make {} private (mode {:o})", path.display(), mode & 0o700))?;
    }
    Ok(())
}

/// The state folder: ours, and closed to others. Done first, so that nobody else can swap the
/// files inside while we look at them.
pub(super) fn secure_folder(dir: &Path) -> anyhow::Result<()> {
    let meta = std::fs::metadata(dir)
        .with_context(|| format!("can't look at the state folder {}", dir.display()))?;
    refuse_foreign_owner(dir, &meta, our_uid())?;
    tighten(dir, &meta)
}

/// Refuses the database, `-wal` or `-shm` if another user owns one, before SQLite opens them.
pub(super) fn refuse_foreign_files(db: &Path) -> anyhow::Result<()> {
    for path in database_files(db) {
        if let Ok(meta) = std::fs::metadata(&path) {
            refuse_foreign_owner(&path, &meta, our_uid())?;
        }
    }
    Ok(())
}

/// Makes the database, `-wal` and `-shm` (those that exist) readable by their owner only.
pub(super) fn tighten_files(db: &Path) -> anyhow::Result<()> {
    for path in database_files(db) {
        if let Ok(meta) = std::fs::metadata(&path) {
            tighten(&path, &meta)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{FILE_NAME, Store};
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::Path;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().mode() & 0o777
    }

    fn set_mode(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_loose_state_folder_and_database_are_tightened_when_opened_to_write_or_to_read() {
        for to_read in [false, true] {
            let home = tempfile::tempdir().unwrap();
            let dir = home.path().join("postured");
            Store::open(&dir).unwrap();
            let db = dir.join(FILE_NAME);
            set_mode(&dir, 0o755);
            set_mode(&db, 0o644);
            // A running daemon keeps the `-wal` and `-shm` there; make them loose too.
            let daemon = rusqlite::Connection::open(&db).unwrap();
            daemon.execute_batch("CREATE TEMP TABLE t (x); SELECT count(*) FROM reminders;").unwrap();
            let sides = ["-wal", "-shm"].map(|s| dir.join(format!("{FILE_NAME}{s}")));
            for side in &sides {
                set_mode(side, 0o644);
            }
            if to_read {
                Store::open_to_read(&dir).unwrap();
            } else {
                Store::open(&dir).unwrap();
            }
            assert_eq!((mode(&dir), mode(&db)), (0o700, 0o600), "to_read: {to_read}");
            for side in &sides {
                assert_eq!(mode(side), 0o600, "{}", side.display());
            }
        }
    }

    #[test]
    fn a_folder_or_file_of_another_user_is_refused_and_left_as_it_is() {
        let home = tempfile::tempdir().unwrap();
        let meta = std::fs::metadata(home.path()).unwrap();
        let err = super::refuse_foreign_owner(home.path(), &meta, meta.uid() + 1).unwrap_err().to_string();
        let want = format!(
            "{} belongs to another user (uid {}, you are {})",
            home.path().display(),
            meta.uid(),
            meta.uid() + 1
        );
        assert!(err.starts_with(&want), "{err}");
        assert!(super::refuse_foreign_owner(home.path(), &meta, meta.uid()).is_ok());
        if !rustix::process::geteuid().is_root() {
            return; // Only root can give files away; the check itself is covered above.
        }
        let nobody = Some(rustix::process::Uid::from_raw(65534));
        let dir = home.path().join("postured");
        Store::open(&dir).unwrap();
        let db = dir.join(FILE_NAME);
        set_mode(&db, 0o644);
        rustix::fs::chown(&db, nobody, None).unwrap();
        let err = Store::open(&dir).err().expect("refused").to_string();
        assert!(err.contains(&format!("{} belongs to another user (uid 65534", db.display())), "{err}");
        assert_eq!(mode(&db), 0o644, "left as it was");
        rustix::fs::chown(&dir, nobody, None).unwrap();
        set_mode(&dir, 0o755);
        let err = Store::open_to_read(&dir).err().expect("refused").to_string();
        assert!(err.contains(&format!("{} belongs to another user (uid 65534", dir.display())), "{err}");
        assert_eq!(mode(&dir), 0o755, "left as it was");
    }

    #[test]
    fn a_read_only_folder_is_not_made_writable() {
        let home = tempfile::tempdir().unwrap();
        Store::open(home.path()).unwrap();
        set_mode(home.path(), 0o500);
        let _ = Store::open(home.path());
        let after = mode(home.path());
        set_mode(home.path(), 0o700);
        assert_eq!(after, 0o500);
    }
}
