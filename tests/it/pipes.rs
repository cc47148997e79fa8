//! A closed standard output (`postured … | head -1`, `| true`): every command ends quietly with
//! exit 0, as other Unix tools do, and `log` has stored its report before printing anything.

use crate::daemon::db;
use crate::support::{Home, stderr};
use std::process::{Command, Output, Stdio};

/// Runs `cmd` with its standard output a pipe whose reading end is already closed, so the very
/// first write fails with EPIPE (no race with a reader that closes "soon").
pub(crate) fn with_stdout_closed(mut cmd: Command) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    cmd.stdout(writer).stderr(Stdio::piped()).output().expect("run postured")
}

/// Exit 0, nothing on standard error, no panic.
pub(crate) fn assert_quiet(what: &str, out: &Output) {
    assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(out));
    assert_eq!(stderr(out), "", "{what} said something on standard error");
}

fn closed(home: &Home, args: &[&str]) -> Output {
    let mut cmd = home.command();
    cmd.args(args);
    with_stdout_closed(cmd)
}

#[test]
fn log_stores_the_report_and_then_ends_quietly_on_a_closed_pipe() {
    let home = Home::new();
    let out = closed(&home, &["log", "--area", "neck", "--severity", "8", "--note", "piped"]);
    assert_quiet("log", &out);
    let note: String = db(&home).query_row("SELECT note FROM discomfort", [], |r| r.get(0)).unwrap();
    assert_eq!(note, "piped");
}

#[test]
fn every_printing_command_ends_quietly_on_a_closed_pipe() {
    let home = Home::new();
    let ok = home.run(&["log", "--area", "neck", "--severity", "3"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let commands: &[&[&str]] = &[
        &["check-config"],
        &["completions", "bash"],
        &["completions", "zsh"],
        &["man"],
        &["plan", "--days", "30"],
        &["plan", "--days", "30", "--json"],
        &["report"],
        &["report", "--format", "csv"],
        &["report", "--format", "html"],
        &["export"],
        &["forget", "--before", "2020-01-01"],
        &["uninstall"],
    ];
    for args in commands {
        assert_quiet(&args.join(" "), &closed(&home, args));
    }
}
