//! Where `--output FILE` (report, export) may write, and writing there safely: never into
//! postured's state folder (a mistyped path must not destroy the store), never through a
//! symlink or into anything but a regular file, and never half-written: the text goes to a
//! private temp file beside the target, which is then renamed over it.

use crate::adapters::paths;
use anyhow::{Context, anyhow};
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Refuses a bad `--output` before any work is done (and before the store is opened).
pub fn check_first(path: Option<&Path>) -> anyhow::Result<()> {
    match path {
        Some(p) => allowed(p).map(drop),
        None => Ok(()),
    }
}

/// Writes `bytes` to `path` (created or replaced, mode 0600: this is health data).
pub fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let target = allowed(path)?;
    replace(&target, bytes).with_context(|| format!("can't write {}", path.display()))
}

fn allowed(path: &Path) -> anyhow::Result<PathBuf> {
    check(path, paths::state_dir().as_deref()).map_err(|why| anyhow!("can't write {}: {why}", path.display()))
}

/// The target's real place (symlinked folders resolved), or why it may not be written.
pub fn check(path: &Path, state: Option<&Path>) -> Result<PathBuf, String> {
    if path.as_os_str().is_empty() {
        return Err("--output needs a file name".into());
    }
    let name = match path.file_name() {
        Some(n) if !path.as_os_str().as_encoded_bytes().ends_with(b"/") => n,
        _ => return Err("it names a folder; --output needs a file name".into()),
    };
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let real_folder = fs::canonicalize(folder)
        .map_err(|e| format!("its folder {} can't be used: {e}", folder.display()))?;
    if let Some(state) = state {
        // The state folder may be reached through a symlink too; compare real places.
        let real_state = fs::canonicalize(state).unwrap_or_else(|_| state.to_owned());
        if real_folder.starts_with(&real_state) || real_folder.join(name) == real_state {
            return Err(format!(
                "it is in postured's state folder ({}), where your data is kept; choose a file elsewhere",
                real_state.display()
            ));
        }
    }
    let target = real_folder.join(name);
    match fs::symlink_metadata(&target) {
        Ok(m) if m.file_type().is_symlink() => {
            Err("it is a symbolic link; name the file itself (an existing file is replaced)".into())
        }
        Ok(m) if m.is_dir() => Err("it is a folder; --output needs a file name".into()),
        Ok(m) if !m.is_file() => {
            let kind = m.file_type();
            let what = if kind.is_fifo() {
                "a named pipe"
            } else if kind.is_socket() {
                "a socket"
            } else {
                "a device"
            };
            Err(format!("it is not a regular file but {what}"))
        }
        Ok(_) => Ok(target),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(target),
        Err(e) => Err(e.to_string()),
    }
}

/// A private temp file in the target's folder, synced, then renamed over the target: readers
/// see the old file or the new one, and the new one is 0600 whatever the old one was.
fn replace(target: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let folder = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().unwrap_or(OsStr::new("output"));
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = folder.join(temp_name);
    let written = (|| -> anyhow::Result<()> {
        let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, target)?;
        // The rename itself is durable once the folder is synced.
        File::open(folder)?.sync_all()?;
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written.map_err(|e| {
        if e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::AlreadyExists)
        {
            anyhow!("a temp file {} is in the way", temp.display())
        } else {
            e
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_that_are_refused_and_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        fs::create_dir(&state).unwrap();
        let ok = dir.path().join("r.md");
        assert_eq!(check(&ok, Some(&state)), Ok(fs::canonicalize(dir.path()).unwrap().join("r.md")));
        let inside = check(&state.join("postured.sqlite3"), Some(&state)).unwrap_err();
        assert!(inside.starts_with("it is in postured's state folder"), "{inside}");
        assert!(check(&state.join("a/../b"), Some(&state)).is_err());
        assert_eq!(check(Path::new(""), None), Err("--output needs a file name".into()));
        assert!(check(Path::new("/"), None).unwrap_err().contains("names a folder"));
        assert!(check(&dir.path().join("x/"), None).unwrap_err().contains("names a folder"));
        assert!(check(Path::new("/dev/null"), None).unwrap_err().contains("not a regular file but a device"));
    }

    #[test]
    fn replacing_leaves_only_the_new_private_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.txt");
        fs::write(&p, "old and longer").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        replace(&p, b"new").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
