//! Status bars: `postured status --watch` and `--format`, and `postured toggle`, against the real
//! daemon on a private bus with real dunst.

use crate::daemon::{Daemon, WAIT, cli, fast_config, setup, status_json};
use crate::desktop::Desktop;
use crate::support::{Home, stderr, stdout};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How soon a change must show in `--watch`.
const FOLLOWS_WITHIN: Duration = Duration::from_secs(1);

/// A running `postured status --watch`, its lines read on a thread of their own.
struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Watch {
    fn start(desktop: &Desktop, home: &Home, format: &str) -> Watch {
        let mut cmd = home.command();
        desktop.env(&mut cmd);
        let mut child = cmd
            .args(["status", "--watch", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start postured status --watch");
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in out.lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Watch { child, lines, seen: Vec::new() }
    }

    /// The next line, within `timeout`.
    fn line(&mut self, timeout: Duration, what: &str) -> String {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => {
                self.seen.push(line.clone());
                line
            }
            Err(e) => {
                panic!("no line from --watch within {timeout:?} ({e}) for {what}; so far: {:#?}", self.seen)
            }
        }
    }

    /// Reads JSON lines until one has state `want`, within `timeout`; every line before it must
    /// still have the state `from` (a change shows once, in order, and nothing else comes between).
    fn expect_state(&mut self, from: &str, want: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.line(left, &format!("state {want}"));
            let status: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
            let state = status["state"].as_str().unwrap_or_default();
            if state == want {
                return status;
            }
            assert_eq!(state, from, "a state out of order while waiting for {want}: {:#?}", self.seen);
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn watch_waits_for_the_daemon_and_follows_pause_resume_snooze_dnd_and_restarts_in_order() {
    let desktop = Desktop::start();
    let home = Home::new();
    home.write_config(&fast_config("1h", "1h"));
    let mut watch = Watch::start(&desktop, &home, "json");
    // No daemon yet: it says so and waits.
    let first = watch.line(WAIT, "the first line");
    assert_eq!(first, r#"{"state":"stopped"}"#);

    let mut daemon = Daemon::start(&desktop, &home);
    let active = watch.expect_state("stopped", "active", FOLLOWS_WITHIN);
    assert_eq!(active["max_per_day"], 200, "the whole status: {active}");

    ok(cli(&desktop, &home, &["pause", "30m"]));
    let paused = watch.expect_state("active", "paused", FOLLOWS_WITHIN);
    assert_ne!(paused["paused_until"], "", "{paused}");
    ok(cli(&desktop, &home, &["resume"]));
    watch.expect_state("paused", "active", FOLLOWS_WITHIN);
    ok(cli(&desktop, &home, &["snooze", "10m"]));
    let snoozed = watch.expect_state("active", "snoozed", FOLLOWS_WITHIN);
    assert_ne!(snoozed["snoozed_until"], "", "{snoozed}");
    ok(cli(&desktop, &home, &["resume"]));
    watch.expect_state("snoozed", "active", FOLLOWS_WITHIN);
    desktop.set_paused(true);
    let dnd = watch.expect_state("active", "dnd", FOLLOWS_WITHIN);
    assert_eq!(dnd["dnd"], true);
    desktop.set_paused(false);
    watch.expect_state("dnd", "active", FOLLOWS_WITHIN);

    // A restart: "stopped" while it is gone, and the status again from the new one.
    let (status, _) = daemon.terminate();
    assert!(status.success());
    watch.expect_state("active", "stopped", FOLLOWS_WITHIN);
    let _daemon = Daemon::start(&desktop, &home);
    watch.expect_state("stopped", "active", FOLLOWS_WITHIN);
    assert!(matches!(watch.child.try_wait(), Ok(None)), "--watch keeps running");
}

#[test]
fn bar_formats_give_waybar_json_and_plain_lines_and_toggle_pauses_and_resumes() {
    let (desktop, home, _daemon) =
        setup(&fast_config("1h", "1h").replace("expire = \"1h\"", "pause = \"20m\""));
    let mut watch = Watch::start(&desktop, &home, "waybar");
    let line = watch.line(WAIT, "the first waybar line");
    let bar: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let keys: Vec<&str> = bar.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["alt", "class", "text", "tooltip"], "{bar}");
    assert_eq!((bar["class"].as_str(), bar["alt"].as_str()), (Some("active"), Some("active")));
    assert!(bar["text"].as_str().unwrap().starts_with("posture "), "{bar}");
    let tooltip = bar["tooltip"].as_str().unwrap();
    assert!(
        tooltip.contains("next: posture reminder at ") && tooltip.contains("today: 0 of 200"),
        "{tooltip}"
    );

    let before = chrono::Utc::now();
    let said = ok(cli(&desktop, &home, &["toggle"]));
    assert!(said.starts_with("paused until "), "{said}");
    let status = status_json(&desktop, &home);
    let until = chrono::DateTime::parse_from_rfc3339(status["paused_until"].as_str().unwrap()).unwrap();
    let paused_for = (until.with_timezone(&chrono::Utc) - before).num_seconds();
    assert!((1199..=1202).contains(&paused_for), "toggle pauses for notifications.pause: {paused_for} s");
    let line = watch.line(FOLLOWS_WITHIN, "the paused waybar line");
    let bar: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(bar["class"], "paused", "{bar}");
    assert!(bar["text"].as_str().unwrap().starts_with("paused until "), "{bar}");

    for format in ["i3blocks", "polybar"] {
        let line = ok(cli(&desktop, &home, &["status", "--format", format]));
        assert!(line.starts_with("paused until ") && line.lines().count() == 1, "{format}: {line:?}");
    }
    assert_eq!(ok(cli(&desktop, &home, &["toggle"])), "resumed\n");
    let line = watch.line(FOLLOWS_WITHIN, "the resumed waybar line");
    assert_eq!(serde_json::from_str::<Value>(&line).unwrap()["class"], "active", "{line}");
    // `--json` stays as the alias of `--format json`.
    let json: Value = serde_json::from_str(&ok(cli(&desktop, &home, &["status", "--json"]))).unwrap();
    assert_eq!(json["state"], "active");
    let out = cli(&desktop, &home, &["status", "--json", "--format", "text"]);
    assert_eq!(out.status.code(), Some(2), "--json and another --format contradict each other");
}
