//! The system's time zone database: finds the TZif file of a zone named in the config (under
//! `$TZDIR`, else `/usr/share/zoneinfo`, Debian's package `tzdata`) and hands its bytes to the
//! core. The OS keeps that database current, so postured never ships a stale copy of its own.
//!
//! The system's own zone (`TZ`, `/etc/localtime`) is chrono's `Local` and doesn't come here.

use crate::core::zone::Tz;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where glibc and zic put the database; `TZDIR` moves it, as it does for glibc.
const DEFAULT_DIR: &str = "/usr/share/zoneinfo";

/// Real zone files are a few KiB (the largest, with leap seconds, under 4 KiB); anything far
/// bigger is not one, and is not read into memory.
const MAX_FILE: u64 = 256 * 1024;

/// Why a zone name didn't give a zone. The text is for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneError {
    /// Not shaped like an IANA name (`Area/Location`): empty, absolute, `..`, odd characters.
    BadName,
    /// The database is there but has no such zone.
    Unknown,
    /// No database at all: tzdata isn't installed (or `TZDIR` points nowhere).
    NoDatabase(PathBuf),
    /// The file is there but isn't a usable zone file.
    Unreadable(String),
}

impl std::fmt::Display for ZoneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZoneError::BadName | ZoneError::Unknown => f.write_str("no such zone"),
            ZoneError::NoDatabase(dir) => write!(
                f,
                "the system's time zone database ({}) is missing; install it (package `tzdata`) or leave `timezone` out",
                dir.display()
            ),
            ZoneError::Unreadable(why) => write!(f, "its zone file can't be read: {why}"),
        }
    }
}

/// The named zone from the system database.
pub fn load(name: &str) -> Result<Tz, ZoneError> {
    let dir =
        std::env::var_os("TZDIR").filter(|d| !d.is_empty()).map_or(PathBuf::from(DEFAULT_DIR), PathBuf::from);
    load_from(&dir, name)
}

/// The named zone from the database in `dir`.
pub fn load_from(dir: &Path, name: &str) -> Result<Tz, ZoneError> {
    if !is_zone_name(name) {
        return Err(ZoneError::BadName);
    }
    let bytes = read_zone_file(&dir.join(name)).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound if !dir.is_dir() => ZoneError::NoDatabase(dir.to_owned()),
        std::io::ErrorKind::NotFound => ZoneError::Unknown,
        _ => ZoneError::Unreadable(e.to_string()),
    })?;
    Tz::from_tzif(name, &bytes).map_err(ZoneError::Unreadable)
}

/// IANA names are ASCII letters, digits and `/_+-.` in parts that are never `.` or `..`
/// (`Europe/Berlin`, `America/Argentina/Buenos_Aires`, `Etc/GMT+5`, `UTC`). Checking that
/// keeps a config from pointing the reader at any other file.
fn is_zone_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+-.".contains(&b))
        })
}

/// A regular file, read up to the cap: a directory (`Europe`), a FIFO or a device is "not
/// found" or an error, never a hang.
fn read_zone_file(path: &Path) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(std::io::ErrorKind::NotFound.into());
    }
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() > MAX_FILE {
        return Err(std::io::Error::other("too large for a zone file"));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(MAX_FILE).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_leave_the_database_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "../../etc/passwd",
            "Europe/../../etc/passwd",
            "Europe//Berlin",
            "Europe/",
            "a b",
            "Europe/Berlin\0",
        ] {
            assert_eq!(load(bad), Err(ZoneError::BadName), "{bad:?}");
        }
        for good in ["Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Etc/GMT-14", "UTC"] {
            assert!(is_zone_name(good), "{good}");
        }
    }

    #[test]
    fn a_zone_the_database_lacks_and_a_folder_are_unknown() {
        assert_eq!(load("Mars/Olympus"), Err(ZoneError::Unknown));
        assert_eq!(load("Europe"), Err(ZoneError::Unknown));
    }

    #[test]
    fn a_missing_database_is_said_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("zoneinfo");
        let e = load_from(&gone, "Europe/Berlin").unwrap_err();
        assert_eq!(e, ZoneError::NoDatabase(gone));
        assert!(e.to_string().contains("install it (package `tzdata`)"), "{e}");
    }

    #[test]
    fn a_file_that_is_not_tzif_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("Europe")).unwrap();
        std::fs::write(dir.path().join("Europe/Berlin"), "not tzif").unwrap();
        assert!(matches!(load_from(dir.path(), "Europe/Berlin"), Err(ZoneError::Unreadable(_))));
    }

    #[test]
    fn real_zones_load_with_their_rules() {
        use chrono::{TimeZone, Utc};
        let berlin = load("Europe/Berlin").expect("tzdata is installed by .ci/run");
        assert_eq!(berlin.name(), "Europe/Berlin");
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap();
        assert_eq!(berlin.offset_at(summer).local_minus_utc(), 7200);
        // Far past the file's table: the footer rule still knows summer time.
        let later = Utc.with_ymd_and_hms(2090, 7, 1, 12, 0, 0).unwrap();
        assert_eq!(berlin.offset_at(later).local_minus_utc(), 7200);
        let tokyo = load("Asia/Tokyo").unwrap();
        assert_eq!(tokyo.offset_at(summer).local_minus_utc(), 9 * 3600);
        assert_eq!(load("Europe/Berlin").unwrap(), berlin);
    }
}
