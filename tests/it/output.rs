//! `report --output` and `export --output`: never over the store or anything else in the state
//! folder, never through a symlink or into something that is not a regular file; an existing
//! regular file is replaced whole (temp file and rename), readable by the user only.

use crate::support::{Home, path_str, stderr};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn logged_home() -> Home {
    let home = Home::new();
    let out = home.run(&["log", "--area", "neck", "--severity", "4", "--note", "kept safe"]);
    assert!(out.status.success(), "{}", stderr(&out));
    home
}

fn state(home: &Home) -> std::path::PathBuf {
    home.dir.path().join("state/postured")
}

/// Refused with one line on stderr that contains `why`, exit 1, and the store is as it was.
fn refused(home: &Home, args: &[&str], why: &str) {
    let store = state(home).join("postured.sqlite3");
    let before = std::fs::read(&store).unwrap();
    let out = home.run(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?} was not refused: {err}");
    assert!(err.contains(why), "{args:?} should say {why:?}: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert_eq!(std::fs::read(&store).unwrap(), before, "{args:?} changed the store");
    assert!(home.run(&["report"]).status.success(), "the store still opens");
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn output_never_goes_into_the_state_folder() {
    let home = logged_home();
    let store = state(&home).join("postured.sqlite3");
    for command in ["report", "export"] {
        refused(&home, &[command, "--output", path_str(&store)], "postured's state folder");
        let other = state(&home).join("report.md");
        refused(&home, &[command, "--output", path_str(&other)], "postured's state folder");
        assert!(!other.exists());
        // Through a symlinked folder, or a path with `..` in it, it is the same place.
        let link = home.dir.path().join("data-link");
        let _ = std::os::unix::fs::symlink(state(&home), &link);
        refused(&home, &[command, "--output", path_str(&link.join("postured.sqlite3"))], "state folder");
        let dotted = home.dir.path().join("state/postured/../postured/x.json");
        refused(&home, &[command, "--output", path_str(&dotted)], "state folder");
        refused(&home, &[command, "--output", path_str(&state(&home))], "state folder");
    }
}

#[test]
fn output_refuses_symlinks_and_special_files() {
    let home = logged_home();
    let target = home.write("precious.txt", "mine\n");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = home.dir.path().join("link.md");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let fifo = home.dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for command in ["report", "export"] {
        refused(&home, &[command, "--output", path_str(&link)], "is a symbolic link");
        refused(&home, &[command, "--output", path_str(home.dir.path())], "is a folder");
        refused(&home, &[command, "--output", path_str(&fifo)], "not a regular file");
        refused(&home, &[command, "--output", "/dev/null"], "not a regular file");
        let missing = home.dir.path().join("no/such/folder/r.md");
        refused(&home, &[command, "--output", path_str(&missing)], "can't write");
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine\n");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "the symlink's target keeps its mode");
}

#[test]
fn a_refused_output_is_refused_before_the_store_is_created() {
    let home = Home::new();
    for command in ["report", "export"] {
        let out = home.run(&[command, "--output", "/dev/null"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(!state(&home).exists(), "{command} created the state folder");
    }
}

#[test]
fn an_existing_regular_file_is_replaced_whole_and_made_private() {
    let home = logged_home();
    let dir = home.dir.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("for-my-physio.csv");
    std::fs::write(&file, "x".repeat(100_000)).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = home.run(&["report", "--format", "csv", "--output", path_str(&file)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("time,area,severity") && text.contains("kept safe"), "{text}");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(names_in(&dir), ["for-my-physio.csv"], "no temp file left behind");

    let fresh = dir.join("all.json");
    let out = home.run(&["export", "-o", path_str(&fresh)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(names_in(&dir), ["all.json", "for-my-physio.csv"]);
}
