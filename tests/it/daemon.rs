//! The real daemon on a real (headless) desktop: what the user sees, what their clicks do, and
//! what gets stored.

use crate::desktop::{Desktop, Shown};
use crate::headless::SessionEnv;
use crate::support::{Home, stderr, stdout};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub(crate) const WAIT: Duration = Duration::from_secs(15);

/// Every day all day, posture checks every `interval`, nothing else, limits out of the way.
pub(crate) fn fast_config(interval: &str, snooze: &str) -> String {
    let mut t = String::from("[hours]\n");
    for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        t += &format!("{d} = [\"00:00-24:00\"]\n");
    }
    t + &format!(
        "[reminders.posture]\ninterval = \"{interval}\"\ncooldown = \"0s\"\n\
         [reminders.stretch]\nenabled = false\n[reminders.movement]\nenabled = false\n\
         [limits]\nmin_gap = \"1s\"\nmax_per_hour = 60\nmax_per_day = 200\nquiet_hours = []\nno_repeat_within = \"0s\"\n\
         [notifications]\nsnooze = \"{snooze}\"\nexpire = \"1h\"\n"
    )
}

/// The daemon under test, with its stderr in a file; SIGTERMed (then killed) on drop.
pub(crate) struct Daemon {
    child: Option<Child>,
    log: std::path::PathBuf,
}

impl Daemon {
    pub(crate) fn start(desktop: &impl SessionEnv, home: &Home) -> Daemon {
        Daemon::start_with(desktop, home, &[])
    }

    /// `start` with more environment, e.g. a stand-in system bus.
    pub(crate) fn start_with(desktop: &impl SessionEnv, home: &Home, env: &[(&str, &str)]) -> Daemon {
        let log = home.dir.path().join("daemon.log");
        let mut cmd = home.command();
        desktop.env(&mut cmd);
        cmd.envs(env.iter().copied());
        let child = cmd
            .args(["run"])
            .env("POSTURED_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start postured run");
        let d = Daemon { child: Some(child), log };
        d.wait_log("started:", WAIT);
        d
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub(crate) fn wait_log(&self, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.log().contains(text) {
            assert!(Instant::now() < deadline, "no `{text}` in the daemon's log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// SIGKILL, as a crash or the OOM killer would.
    pub(crate) fn kill(&mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// SIGTERM, and how long it took to exit.
    pub(crate) fn terminate(&mut self) -> (ExitStatus, Duration) {
        let mut child = self.child.take().unwrap();
        let started = Instant::now();
        sigterm(&child);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(10) {
                child.kill().unwrap();
                panic!("postured did not exit within 10 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            sigterm(&child);
            let deadline = Instant::now() + Duration::from_secs(2);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn sigterm(child: &Child) {
    let pid = rustix::process::Pid::from_raw(child.id() as i32).expect("a child has a pid");
    let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
}

pub(crate) fn setup(config: &str) -> (Desktop, Home, Daemon) {
    let desktop = Desktop::start();
    let home = Home::new();
    home.write_config(config);
    let daemon = Daemon::start(&desktop, &home);
    (desktop, home, daemon)
}

pub(crate) fn cli(desktop: &impl SessionEnv, home: &Home, args: &[&str]) -> std::process::Output {
    let mut cmd = home.command();
    desktop.env(&mut cmd);
    cmd.args(args).output().unwrap()
}

pub(crate) fn db(home: &Home) -> Connection {
    Connection::open(home.dir.path().join("state/postured/postured.sqlite3")).unwrap()
}

/// The stored reminders and their outcomes. Every caller has seen a reminder on screen, and
/// the daemon writes its row from the store's own thread a moment later: wait for it.
pub(crate) fn outcomes(home: &Home) -> Vec<(String, Option<String>)> {
    wait_until("a stored reminder", || {
        let db = db(home);
        let mut stmt = db.prepare("SELECT kind, outcome FROM reminders ORDER BY id").unwrap();
        let rows: Vec<(String, Option<String>)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
        (!rows.is_empty()).then_some(rows)
    })
}

pub(crate) fn wait_until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub(crate) fn status_json(desktop: &impl SessionEnv, home: &Home) -> serde_json::Value {
    let out = cli(desktop, home, &["status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// A time `status --json` gives under `key` (RFC 3339, cut to the second), or `None` if empty.
pub(crate) fn status_time(status: &serde_json::Value, key: &str) -> Option<DateTime<Utc>> {
    let text = status[key].as_str().unwrap_or_else(|| panic!("status has no `{key}`: {status}"));
    (!text.is_empty()).then(|| {
        DateTime::parse_from_rfc3339(text)
            .unwrap_or_else(|e| panic!("`{key}` {text:?} is not RFC 3339: {e}"))
            .with_timezone(&Utc)
    })
}

/// Waits until the wall clock is past `t`.
pub(crate) fn sleep_until(t: DateTime<Utc>) {
    if let Ok(left) = (t - Utc::now()).to_std() {
        std::thread::sleep(left);
    }
}

/// The status once the daemon has handled every wake it planned up to `until`, so that a test can
/// then assert that nothing was shown meanwhile, and a slow machine fails instead of passing by
/// luck. The daemon handles what is due before it answers: so when its `next_wake` is "" (it waits
/// only for events) or later than `until`, nothing can happen before `until` without an event;
/// otherwise this waits until the wall clock is past that wake and asks again. Pick `until` more
/// than a second before anything that may rightly happen next: `next_wake` is cut to the second.
pub(crate) fn status_after(desktop: &Desktop, home: &Home, until: DateTime<Utc>) -> serde_json::Value {
    let deadline = Instant::now() + WAIT + (until - Utc::now()).to_std().unwrap_or_default();
    loop {
        let status = status_json(desktop, home);
        let Some(wake) = status_time(&status, "next_wake") else { return status };
        if wake > until {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the daemon still plans to wake at {wake}, before {until}, after waiting {WAIT:?} past it: {status}"
        );
        sleep_until(wake + chrono::Duration::milliseconds(1050));
    }
}

#[test]
fn the_first_reminder_arrives_with_its_buttons_and_is_stored() {
    let (desktop, home, _daemon) = setup(&fast_config("2s", "1h"));
    let shown = desktop.wait_for(1, WAIT);
    let n: &Shown = &shown[0];
    assert_eq!(n.appname, "postured");
    assert!(n.summary.starts_with("Posture check · "), "{n:?}");
    assert!(!n.body.is_empty());
    assert_eq!(n.urgency, "NORMAL");
    assert_eq!(n.category, "x-postured.reminder");
    assert_eq!(n.desktop_entry, "io.github.Postured", "names the desktop entry `install` writes");
    assert_eq!(n.timeout, 3_600_000, "an expiry, so it never lingers");
    assert_eq!(n.action("default"), Some("Mark done"));
    assert_eq!(n.action("done"), Some("Done"));
    let mut labels: Vec<&str> = n.actions.iter().map(|(_, label)| label.as_str()).collect();
    labels.sort();
    labels.dedup();
    assert_eq!(labels.len(), n.actions.len(), "no two actions share a label: {:?}", n.actions);
    assert_eq!(n.action("snooze"), Some("Snooze 1h"));
    assert_eq!(n.action("log"), Some("Log discomfort"));
    wait_until("the reminder row", || (outcomes(&home).len() == 1).then_some(()));
    assert_eq!(outcomes(&home)[0], ("posture".to_owned(), None));
}

#[test]
fn done_and_a_dismissal_are_recorded_as_done_and_skipped() {
    let (desktop, home, _daemon) = setup(&fast_config("2s", "1h"));
    let first = desktop.wait_for(1, WAIT)[0].clone();
    desktop.click(first.id, "done");
    wait_until("done", || (outcomes(&home).first()?.1.as_deref() == Some("done")).then_some(()));
    let second = wait_until("a second reminder", || desktop.notifications().get(1).cloned());
    assert_ne!(second.id, 0);
    desktop.dismiss_all();
    wait_until("skipped", || (outcomes(&home).get(1)?.1.as_deref() == Some("skipped")).then_some(()));
}

#[test]
fn snooze_defers_the_next_reminder_by_the_snooze_time() {
    let (desktop, home, _daemon) = setup(&fast_config("2s", "45s"));
    let first = desktop.wait_for(1, WAIT)[0].clone();
    let clicked = chrono::Utc::now();
    desktop.click(first.id, "snooze");
    wait_until("snoozed", || (outcomes(&home).first()?.1.as_deref() == Some("snoozed")).then_some(()));
    let status = status_json(&desktop, &home);
    let next = chrono::DateTime::parse_from_rfc3339(status["next_at"].as_str().unwrap()).unwrap();
    let deferred = (next.with_timezone(&chrono::Utc) - clicked).num_seconds();
    assert!((43..=47).contains(&deferred), "next reminder {deferred} s after the click, not 45: {status}");
    assert_eq!(desktop.notifications().len(), 1, "nothing else came meanwhile");
}

#[test]
fn log_discomfort_from_the_buttons_stores_a_report() {
    let (desktop, home, _daemon) = setup(&fast_config("2s", "1h"));
    let first = desktop.wait_for(1, WAIT)[0].clone();
    desktop.click(first.id, "log");
    let ask_area = desktop.wait_for(2, WAIT)[1].clone();
    assert_ne!(ask_area.id, first.id, "each step is a notification of its own");
    assert_eq!(ask_area.summary, "Where is the discomfort?");
    assert!(ask_area.actions.len() <= 3 && !ask_area.actions.is_empty(), "{ask_area:?}");
    let area_key = ask_area.actions[0].0.clone();
    let area = area_key.strip_prefix("area:").unwrap().to_owned();
    desktop.click(ask_area.id, &area_key);
    let ask_severity = desktop.wait_for(3, WAIT)[2].clone();
    assert_eq!(ask_severity.action("severity:5"), Some("Moderate (5/10)"));
    desktop.click(ask_severity.id, "severity:5");
    let ask_symptoms = desktop.wait_for(4, WAIT)[3].clone();
    let mut keys: Vec<&str> = ask_symptoms.actions.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort();
    assert_eq!(keys, ["symptom:none", "symptom:tingling", "symptom:weakness"]);
    desktop.click(ask_symptoms.id, "symptom:none");
    // Three buttons at most: how it gets in the way is a step of its own (F1).
    let ask_function = desktop.wait_for(5, WAIT)[4].clone();
    let mut keys: Vec<&str> = ask_function.actions.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort();
    assert_eq!(keys, ["function:activities", "function:none", "function:sleep"]);
    desktop.click(ask_function.id, "function:none");
    let confirmed = desktop.wait_for(6, WAIT)[5].clone();
    assert_eq!(confirmed.summary, "Logged");
    let (stored_area, severity, source): (String, u8, String) = db(&home)
        .query_row("SELECT area, severity, source FROM discomfort", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((stored_area, severity, source.as_str()), (area, 5, "notification"));
    wait_until("the reminder's outcome", || {
        (outcomes(&home)[0].1.as_deref() == Some("logged")).then_some(())
    });
    assert_eq!(desktop.displayed_count(), 1, "only the confirmation is left on screen");
}

#[test]
fn with_dunst_paused_nothing_is_sent_and_status_says_dnd() {
    let desktop = Desktop::start();
    desktop.set_paused(true);
    let home = Home::new();
    home.write_config(&fast_config("1s", "1h"));
    let daemon = Daemon::start(&desktop, &home);
    daemon.wait_log("held back a posture reminder: do not disturb", WAIT);
    assert!(desktop.notifications().is_empty(), "sent during dnd: {:?}", desktop.notifications());
    assert_eq!(status_json(&desktop, &home)["state"], "dnd");
    // Nothing was queued: when dnd ends, reminders come at their pace, not as a backlog.
    desktop.set_paused(false);
    desktop.wait_for(1, WAIT);
    assert_eq!(status_json(&desktop, &home)["state"], "active");
}

#[test]
fn a_restarted_notification_server_still_gets_the_next_reminder() {
    let (mut desktop, home, daemon) = setup(&fast_config("3s", "1h"));
    desktop.wait_for(1, WAIT);
    desktop.stop_dunst();
    desktop.start_dunst();
    let before = desktop.notifications().len();
    wait_until("a reminder on the new dunst", || (desktop.notifications().len() > before).then_some(()));
    assert!(!daemon.log().contains("panicked"), "{}", daemon.log());
    wait_until("the first reminder's outcome", || outcomes(&home)[0].1.clone());
    assert_eq!(outcomes(&home)[0].1.as_deref(), Some("lost"), "the first went with the old server");
}

#[test]
fn no_server_at_start_is_survived_and_the_reminder_delivered_when_one_appears() {
    let mut desktop = Desktop::start();
    desktop.stop_dunst();
    let home = Home::new();
    home.write_config(&fast_config("1s", "1h"));
    let daemon = Daemon::start(&desktop, &home);
    daemon.wait_log("held back a posture reminder: no notification server to show it", WAIT);
    desktop.start_dunst();
    desktop.wait_for(1, WAIT);
    let log = daemon.log();
    let held = log.matches("no notification server to show it").count();
    assert_eq!(held, 1, "logged once, not in a loop:\n{log}");
}

#[test]
fn reload_with_a_broken_file_keeps_the_running_config_and_says_where() {
    let (desktop, home, daemon) = setup(&fast_config("1h", "1h"));
    let path = home.write_config("[limits]\nmax_per_day = 0\n");
    let out = cli(&desktop, &home, &["reload"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:2:15: `limits.max_per_day` must be a whole number from 1 to 200, got 0",
            path.display()
        )),
        "{err}"
    );
    assert!(err.contains("the running config is kept"), "{err}");
    assert_eq!(status_json(&desktop, &home)["max_per_day"], 200, "still the old config");
    assert!(!daemon.log().contains("reloaded the config"), "a failed reload is no reload:\n{}", daemon.log());
    home.write_config(&fast_config("1h", "1h").replace("max_per_day = 200", "max_per_day = 7"));
    let out = cli(&desktop, &home, &["reload"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim_end(), format!("reloaded {}", path.display()));
    assert_eq!(status_json(&desktop, &home)["max_per_day"], 7);
    let said = format!("reloaded the config from {}", path.display());
    assert_eq!(daemon.log().matches(&said).count(), 1, "the daemon logs the reload once:\n{}", daemon.log());
}

#[test]
fn a_second_instance_refuses_to_start_and_sigterm_exits_cleanly() {
    let (desktop, home, mut daemon) = setup(&fast_config("1h", "1h"));
    let out = cli(&desktop, &home, &["run"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("postured is already running on this session bus"), "{}", stderr(&out));
    assert!(std::path::Path::new(&format!("/proc/{}", daemon.pid())).exists(), "the first one still runs");
    let (status, took) = daemon.terminate();
    assert_eq!(status.code(), Some(0));
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn control_commands_work_and_say_when_no_daemon_runs() {
    let desktop = Desktop::start();
    let home = Home::new();
    let out = cli(&desktop, &home, &["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("postured is not running on this session"), "{}", stderr(&out));
    // Logging works without a daemon, straight into the store.
    let out = cli(&desktop, &home, &["log", "--area", "neck", "--severity", "4", "--note", "stiff"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Logged neck discomfort, 4/10 (report 1).\n");

    home.write_config(&fast_config("1h", "1h"));
    let _daemon = Daemon::start(&desktop, &home);
    let out = cli(&desktop, &home, &["log", "--area", "upper-back", "--severity", "7"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.starts_with("Logged upper back discomfort, 7/10 (report 2).\n\nGo gently today\n"),
        "{said}"
    );
    assert!(said.contains("see a physical therapist, chiropractor or doctor"), "{said}");
    let out = cli(&desktop, &home, &["pause", "30m"]);
    assert!(stdout(&out).starts_with("paused until "), "{}", stderr(&out));
    assert_eq!(status_json(&desktop, &home)["state"], "paused");
    let out = cli(&desktop, &home, &["resume"]);
    assert_eq!(stdout(&out), "resumed\n");
    assert_eq!(status_json(&desktop, &home)["state"], "active");
    let text = stdout(&cli(&desktop, &home, &["status"]));
    assert!(text.starts_with("postured 0.1.0: active\nnext: posture reminder at "), "{text}");
    let out = cli(&desktop, &home, &["log", "--area", "elbow", "--severity", "3"]);
    assert_eq!(out.status.code(), Some(2), "clap rejects an unknown area");
    let out = cli(&desktop, &home, &["log", "--area", "neck", "--severity", "11"]);
    assert_eq!(out.status.code(), Some(2));
    let count: i64 = db(&home).query_row("SELECT count(*) FROM discomfort", [], |r| r.get(0)).unwrap();
    assert_eq!(count, 2);
}

#[test]
fn a_restart_keeps_the_day_budget_and_sighup_reloads() {
    let (desktop, home, mut daemon) = setup(&fast_config("1s", "1h"));
    desktop.wait_for(2, WAIT);
    let (status, _) = daemon.terminate();
    assert!(status.success());
    let before = status_json_after_restart(&desktop, &home);
    assert!(before >= 2, "the daily count survives a restart: {before}");

    // SIGHUP re-reads the file, like `postured reload`.
    home.write_config(&fast_config("1h", "1h").replace("max_per_day = 200", "max_per_day = 9"));
    let daemon = Daemon::start(&desktop, &home);
    let pid = rustix::process::Pid::from_raw(daemon.pid() as i32).unwrap();
    home.write_config(&fast_config("1h", "1h").replace("max_per_day = 200", "max_per_day = 5"));
    rustix::process::kill_process(pid, rustix::process::Signal::HUP).unwrap();
    daemon.wait_log("reloaded the config", WAIT);
    assert_eq!(status_json(&desktop, &home)["max_per_day"], 5);
}

/// Starts a second daemon on the same home and returns its `shown_today`.
fn status_json_after_restart(desktop: &Desktop, home: &Home) -> u64 {
    let _daemon = Daemon::start(desktop, home);
    status_json(desktop, home)["shown_today"].as_u64().unwrap()
}

#[test]
fn status_bars_hear_state_changes() {
    use futures_util::StreamExt;
    let (desktop, home, _daemon) = setup(&fast_config("1h", "1h"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let conn = zbus::connection::Builder::address(desktop.bus_address()).build().await.unwrap();
        let proxy = postured::adapters::control::ClientProxy::new(&conn).await.unwrap();
        let mut changes = proxy.receive_state_changed().await.unwrap();
        assert_eq!(proxy.status().await.unwrap().state, "active");
        let out = cli(&desktop, &home, &["pause", "--until-tomorrow"]);
        assert!(out.status.success(), "{}", stderr(&out));
        // Other changes (e.g. what the desktop supports, read at start) may come first.
        let paused = async {
            while let Some(signal) = changes.next().await {
                if signal.args().unwrap().status.state == "paused" {
                    return;
                }
            }
        };
        tokio::time::timeout(WAIT, paused).await.expect("a StateChanged signal saying paused");
    });
}
