//! The real daemon with the user away: a stand-in logind on a private system bus (lock, sleep)
//! and a stand-in Mutter IdleMonitor on the desktop's bus, driven by the tests; and a desktop
//! with none of them.

use crate::daemon::{Daemon, cli, db, fast_config, sleep_until, status_after, status_json, wait_until};
use crate::desktop::Desktop;
use crate::standins::{SESSION_ID, SESSION_PATH, Standins, SystemBus};
use crate::support::{Home, stdout};
use chrono::{DateTime, Utc};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

/// Posture every `interval` (nothing else), with `[session]` settings appended.
fn config(interval: &str, session: &str) -> String {
    format!("{}{session}", fast_config(interval, "1h"))
}

/// The next reminder's time, to the second (status cuts off the fraction).
fn next_at(desktop: &Desktop, home: &Home) -> DateTime<Utc> {
    let s = status_json(desktop, home);
    DateTime::parse_from_rfc3339(s["next_at"].as_str().unwrap()).unwrap().with_timezone(&Utc)
}

/// (kind, cause) of every natural break stored.
fn natural_breaks(home: &Home) -> Vec<(String, String)> {
    let db = db(home);
    let mut stmt = db.prepare("SELECT kind, cause FROM natural_breaks ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

fn reminders_stored(home: &Home) -> i64 {
    db(home).query_row("SELECT count(*) FROM reminders", [], |r| r.get(0)).unwrap()
}

/// A desktop, a system bus with logind and Mutter on the desktop's bus, and the daemon on both.
fn with_standins(config: &str) -> (Desktop, SystemBus, Standins, Home, Daemon) {
    with_more_standins(config, |_, _| {})
}

/// The same, with `more` adding stand-ins on the desktop's bus before the daemon starts.
fn with_more_standins(
    config: &str,
    more: impl FnOnce(&mut Standins, &str),
) -> (Desktop, SystemBus, Standins, Home, Daemon) {
    let desktop = Desktop::start();
    let system = SystemBus::start();
    let mut standins = Standins::start(Some(system.address()), Some(desktop.bus_address()));
    more(&mut standins, desktop.bus_address());
    let home = Home::new();
    home.write_config(config);
    let env = [("DBUS_SYSTEM_BUS_ADDRESS", system.address()), ("XDG_SESSION_ID", SESSION_ID)];
    let daemon = Daemon::start_with(&desktop, &home, &env);
    (desktop, system, standins, home, daemon)
}

#[test]
fn nothing_is_shown_while_locked_and_a_long_lock_restarts_the_timer() {
    let (desktop, _system, standins, home, daemon) = with_standins(&config(
        "3s",
        "[session]\nafter_unlock = \"0s\"\n[session.break_length]\nposture = \"2s\"\n",
    ));
    daemon.wait_log(&format!("lock and sleep: logind ({SESSION_PATH})"), WAIT);
    let status = status_json(&desktop, &home);
    assert_eq!(
        (status["lock"].as_str(), status["idle"].as_str()),
        (Some(&*format!("logind ({SESSION_PATH})")), Some("GNOME Mutter IdleMonitor"))
    );

    standins.set_locked(true);
    wait_until("status to say away", || (status_json(&desktop, &home)["state"] == "away").then_some(()));
    assert_eq!(status_json(&desktop, &home)["away"], "locked");
    daemon.wait_log("held back a posture reminder: you are away", WAIT);
    assert!(desktop.notifications().is_empty(), "shown while locked: {:?}", desktop.notifications());
    assert_eq!(status_json(&desktop, &home)["next_why"], "away");

    let unlocked = Utc::now();
    standins.set_locked(false);
    daemon.wait_log("a natural break; restarted the posture timers", WAIT);
    let next = next_at(&desktop, &home);
    assert!(
        next >= unlocked + chrono::Duration::milliseconds(1500),
        "the timer restarted from the unlock: {next}"
    );
    wait_until("the natural break stored", || (!natural_breaks(&home).is_empty()).then_some(()));
    assert_eq!(natural_breaks(&home), [("posture".to_owned(), "locked".to_owned())]);
    assert!(desktop.notifications().is_empty(), "no reminder on return: {:?}", desktop.notifications());
    assert_eq!(status_json(&desktop, &home)["state"], "active");
    // And the next one comes at its time.
    desktop.wait_for(1, WAIT);
}

/// Busy (issue 11): held while busy, one reminder after the grace (`after_busy`), not before.
fn held_while_busy_then_one_after_the_grace(
    desktop: &Desktop,
    home: &Home,
    daemon: &Daemon,
    cause: &str,
    on: impl FnOnce(),
    off: impl FnOnce(),
) {
    on();
    wait_until("status to say busy", || (status_json(desktop, home)["state"] == "busy").then_some(()));
    assert_eq!(status_json(desktop, home)["busy"], cause);
    daemon.wait_log("held back a posture reminder: you are in a call, a presentation or full screen", WAIT);
    assert_eq!(status_json(desktop, home)["next_why"], "busy");
    assert!(desktop.notifications().is_empty(), "shown while busy: {:?}", desktop.notifications());
    let ended = Utc::now();
    off();
    desktop.wait_for(1, WAIT);
    let waited = Utc::now() - ended;
    assert!(waited >= chrono::Duration::milliseconds(1500), "not before the 2 s grace: {waited}");
    assert_eq!(desktop.notifications().len(), 1, "one, not a pile: {:?}", desktop.notifications());
}

#[test]
fn a_logind_idle_inhibitor_holds_reminders_and_one_comes_after_the_grace() {
    let (desktop, _system, standins, home, daemon) =
        with_standins(&config("3s", "[session]\nafter_busy = \"2s\"\n"));
    daemon.wait_log("busy: logind BlockInhibited", WAIT);
    assert!(
        status_json(&desktop, &home)["busy_sources"].as_str().unwrap().starts_with("logind BlockInhibited")
    );
    // Sleep alone is not busy.
    standins.set_block_inhibited("sleep");
    held_while_busy_then_one_after_the_grace(
        &desktop,
        &home,
        &daemon,
        "idle inhibited",
        || standins.set_block_inhibited("sleep:idle:handle-lid-switch"),
        || standins.set_block_inhibited("sleep"),
    );
}

#[test]
fn a_gnome_idle_inhibitor_holds_reminders_and_one_comes_after_the_grace() {
    let (desktop, _system, standins, home, daemon) =
        with_more_standins(&config("3s", "[session]\nafter_busy = \"2s\"\n"), |s, bus| {
            s.add_session_manager(bus)
        });
    daemon.wait_log("GNOME SessionManager inhibitors", WAIT);
    assert!(
        status_json(&desktop, &home)["busy_sources"]
            .as_str()
            .unwrap()
            .contains("GNOME SessionManager inhibitors"),
        "{}",
        status_json(&desktop, &home)
    );
    // Inhibiting suspend only (flag 4) is not busy.
    standins.gnome_inhibit(4);
    let call = std::cell::Cell::new(0);
    held_while_busy_then_one_after_the_grace(
        &desktop,
        &home,
        &daemon,
        "idle inhibited",
        || call.set(standins.gnome_inhibit(8 | 4)),
        || standins.gnome_uninhibit(call.get()),
    );
}

#[test]
fn idle_inhibited_by_logind_and_gnome_is_busy_until_both_end() {
    let (desktop, _system, standins, home, daemon) =
        with_more_standins(&config("1h", ""), |s, bus| s.add_session_manager(bus));
    daemon.wait_log("GNOME SessionManager inhibitors", WAIT);
    let busy = || status_json(&desktop, &home)["state"] == "busy";
    standins.set_block_inhibited("idle");
    let cookie = standins.gnome_inhibit(8);
    wait_until("status to say busy", || busy().then_some(()));
    daemon.wait_log("busy: idle inhibited", WAIT);
    standins.set_block_inhibited("");
    // The GNOME inhibitor is still there: logind's alone ending is not the end. The daemon
    // says when it has read logind's change, and status is answered after that.
    daemon.wait_log("idle inhibitor (logind): off", WAIT);
    assert!(busy(), "{}\n{}", status_json(&desktop, &home), daemon.log());
    assert!(!daemon.log().contains("no longer busy"), "{}", daemon.log());
    standins.gnome_uninhibit(cookie);
    wait_until("status to say not busy", || (!busy()).then_some(()));
}

#[test]
fn a_block_inhibited_change_sent_without_its_value_is_read_back() {
    let (desktop, _system, standins, home, daemon) = with_standins(&config("1h", ""));
    daemon.wait_log("busy: logind BlockInhibited", WAIT);
    standins.set_block_inhibited_invalidated("sleep:idle");
    wait_until("status to say busy", || (status_json(&desktop, &home)["state"] == "busy").then_some(()));
    standins.set_block_inhibited_invalidated("sleep");
    wait_until("status to say not busy", || (status_json(&desktop, &home)["state"] != "busy").then_some(()));
}

#[test]
fn a_gnome_session_manager_that_starts_later_is_followed_and_its_leaving_ends_busy() {
    let (desktop, _system, mut standins, home, daemon) = with_standins(&config("1h", ""));
    let sources = || status_json(&desktop, &home)["busy_sources"].as_str().unwrap().to_owned();
    daemon.wait_log("busy: logind BlockInhibited", WAIT);
    assert!(!sources().contains("GNOME"), "{}", sources());
    standins.add_session_manager(desktop.bus_address());
    daemon.wait_log("idle inhibitor (GNOME): off", WAIT);
    assert!(sources().contains("GNOME SessionManager inhibitors"), "{}", sources());
    standins.gnome_inhibit(8);
    wait_until("status to say busy", || (status_json(&desktop, &home)["state"] == "busy").then_some(()));
    standins.remove_session_manager();
    wait_until("status to say not busy", || (status_json(&desktop, &home)["state"] != "busy").then_some(()));
    assert!(!sources().contains("GNOME"), "{}", sources());
}

#[test]
fn the_daemon_never_starts_the_portal_or_the_session_manager_by_asking_them() {
    let desktop = Desktop::start();
    let marks = tempfile::tempdir().unwrap();
    for name in ["org.freedesktop.portal.Desktop", "org.gnome.SessionManager"] {
        let script = marks.path().join(format!("{name}.sh"));
        let mark = marks.path().join(format!("{name}.started"));
        std::fs::write(&script, format!("#!/bin/sh\ntouch '{}'\n", mark.display())).unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let service = format!("[D-BUS Service]\nName={name}\nExec={}\n", script.display());
        std::fs::write(desktop.services_dir().join(format!("{name}.service")), service).unwrap();
    }
    let home = Home::new();
    home.write_config(&config("1h", ""));
    let daemon = Daemon::start(&desktop, &home);
    daemon.wait_log("started:", WAIT);
    // A status call answered means start-up, with every first read, is over.
    assert_eq!(status_json(&desktop, &home)["state"], "active");
    let started: Vec<_> = std::fs::read_dir(marks.path())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".started"))
        .collect();
    assert!(started.is_empty(), "the daemon's calls started {started:?}");
}

#[test]
fn gnome_do_not_disturb_from_the_portal_holds_reminders() {
    let (desktop, _system, standins, home, daemon) =
        with_more_standins(&config("1s", ""), |s, bus| s.add_portal(bus, false));
    daemon.wait_log("do-not-disturb: GNOME show-banners", WAIT);
    daemon.wait_log("held back a posture reminder: do not disturb", WAIT);
    assert!(desktop.notifications().is_empty(), "sent during dnd: {:?}", desktop.notifications());
    assert_eq!(status_json(&desktop, &home)["state"], "dnd");
    standins.set_show_banners(true);
    desktop.wait_for(1, WAIT);
    assert_eq!(status_json(&desktop, &home)["state"], "active");
    // And on again: dunst's own state (not paused) does not override GNOME's.
    standins.set_show_banners(false);
    wait_until("status to say dnd", || (status_json(&desktop, &home)["state"] == "dnd").then_some(()));
}

#[test]
fn an_open_camera_holds_reminders_and_one_comes_after_the_grace() {
    let desktop = Desktop::start();
    let video = tempfile::tempdir().unwrap();
    let device = video.path().join("video0");
    std::fs::write(&device, b"").unwrap();
    std::fs::write(video.path().join("other"), b"").unwrap();
    let home = Home::new();
    home.write_config(&config("3s", "[session]\nafter_busy = \"2s\"\n"));
    let dir = video.path().to_str().unwrap();
    let daemon = Daemon::start_with(&desktop, &home, &[("POSTURED_VIDEO_DIR", dir)]);
    daemon.wait_log(&format!("camera (inotify on {dir}/video*)"), WAIT);
    // Opening another file there is not the camera.
    drop(std::fs::File::open(video.path().join("other")).unwrap());
    let camera = std::cell::RefCell::new(None);
    held_while_busy_then_one_after_the_grace(
        &desktop,
        &home,
        &daemon,
        "camera in use",
        || *camera.borrow_mut() = Some(std::fs::File::open(&device).unwrap()),
        || drop(camera.borrow_mut().take()),
    );
}

#[test]
fn a_camera_in_use_when_the_daemon_starts_is_busy_until_it_is_closed() {
    let desktop = Desktop::start();
    let video = tempfile::tempdir().unwrap();
    let device = video.path().join("video0");
    std::fs::write(&device, b"").unwrap();
    let camera = std::fs::File::open(&device).unwrap();
    let home = Home::new();
    home.write_config(&config("1h", ""));
    let dir = video.path().to_str().unwrap();
    let _daemon = Daemon::start_with(&desktop, &home, &[("POSTURED_VIDEO_DIR", dir)]);
    let busy = || status_json(&desktop, &home)["state"] == "busy";
    wait_until("status to say busy", || busy().then_some(()));
    assert_eq!(status_json(&desktop, &home)["busy"], "camera in use");
    // Its close is the first event seen for it: no open was counted, the descriptors decide.
    drop(camera);
    wait_until("status to say not busy", || (!busy()).then_some(()));
}

#[test]
fn a_camera_plugged_in_after_start_is_watched_and_unplugging_it_ends_busy() {
    let desktop = Desktop::start();
    let video = tempfile::tempdir().unwrap();
    let home = Home::new();
    home.write_config(&config("1h", ""));
    let dir = video.path().to_str().unwrap();
    let daemon = Daemon::start_with(&desktop, &home, &[("POSTURED_VIDEO_DIR", dir)]);
    daemon.wait_log(&format!("camera (inotify on {dir}/video*)"), WAIT);
    let busy = || status_json(&desktop, &home)["state"] == "busy";
    // Plugged in: the device node appears, then an app opens it.
    let device = video.path().join("video2");
    std::fs::write(&device, b"").unwrap();
    let mut camera = None;
    wait_until("the new camera to be watched", || {
        camera = Some(std::fs::File::open(&device).unwrap());
        if busy() {
            return Some(());
        }
        // Opened before its watch was in place: close and try again.
        drop(camera.take());
        std::thread::sleep(Duration::from_millis(50));
        None
    });
    assert_eq!(status_json(&desktop, &home)["busy"], "camera in use");
    // Unplugged while in use: the app's descriptor outlives the node, but the camera is gone.
    std::fs::remove_file(&device).unwrap();
    drop(camera);
    wait_until("status to say not busy", || (!busy()).then_some(()));
}

#[test]
fn busy_when_without_the_camera_reminds_through_a_call_until_a_reload_counts_it_again() {
    let desktop = Desktop::start();
    let video = tempfile::tempdir().unwrap();
    let device = video.path().join("video0");
    std::fs::write(&device, b"").unwrap();
    let home = Home::new();
    home.write_config(&config("2s", "[session]\nbusy_when = [\"inhibit\", \"fullscreen\"]\n"));
    let dir = video.path().to_str().unwrap();
    let daemon = Daemon::start_with(&desktop, &home, &[("POSTURED_VIDEO_DIR", dir)]);
    daemon.wait_log("(not counted: session.busy_when)", WAIT);
    let sources = status_json(&desktop, &home)["busy_sources"].as_str().unwrap().to_owned();
    assert!(
        sources.contains(&format!("camera (inotify on {dir}/video*) (not counted: session.busy_when)")),
        "{sources}"
    );
    let camera = std::fs::File::open(&device).unwrap();
    desktop.wait_for(1, WAIT);
    assert_eq!(status_json(&desktop, &home)["state"], "active");
    // Counted again with the camera still open: busy at once, with no new camera event.
    home.write_config(&config("2s", ""));
    let out = cli(&desktop, &home, &["reload"]);
    assert!(out.status.success(), "{out:?}");
    wait_until("status to say busy", || (status_json(&desktop, &home)["state"] == "busy").then_some(()));
    assert_eq!(status_json(&desktop, &home)["busy"], "camera in use");
    drop(camera);
}

#[test]
fn waking_after_missed_deadlines_gives_exactly_one_reminder() {
    // Sleep is not long enough to be a break here, so the missed reminder is caught up once.
    let (desktop, _system, standins, home, daemon) =
        with_standins(&config("3s", "[session.break_length]\nposture = \"1h\"\n"));
    daemon.wait_log("lock and sleep: logind", WAIT);
    let due = next_at(&desktop, &home);
    standins.prepare_for_sleep(true);
    daemon.wait_log("going to sleep", WAIT);
    // Asleep past two deadlines (`next_at` is cut to the second), then past every wake the daemon
    // planned meanwhile: whatever it would show while asleep, it has shown by then.
    sleep_until(due + chrono::Duration::seconds(4));
    let status = status_after(&desktop, &home, Utc::now());
    assert!(
        desktop.notifications().is_empty(),
        "shown while asleep: {:?}\n{status}",
        desktop.notifications()
    );
    standins.prepare_for_sleep(false);
    desktop.wait_for(1, WAIT);
    // A pile would come at once, or at the next wake before the next interval (3 s) is up.
    let status = status_after(&desktop, &home, Utc::now() + chrono::Duration::seconds(1));
    assert_eq!(
        desktop.notifications().len(),
        1,
        "one catch-up, not a pile: {:?}\n{status}",
        desktop.notifications()
    );
    // The store's thread writes the row after the notification appears.
    wait_until("the reminder's row", || (reminders_stored(&home) >= 1).then_some(()));
    assert_eq!(reminders_stored(&home), 1);
    assert!(natural_breaks(&home).is_empty());
    assert!(daemon.log().contains("woke up; planning again"), "{}", daemon.log());
}

#[test]
fn idle_longer_than_the_break_restarts_the_timer() {
    // Mutter only; the system bus is a dead socket, so lock detection is missing.
    let desktop = Desktop::start();
    let standins = Standins::start(None, Some(desktop.bus_address()));
    let home = Home::new();
    home.write_config(&config(
        "4s",
        "[session]\nidle_threshold = \"1s\"\n[session.break_length]\nposture = \"3s\"\n",
    ));
    let daemon = Daemon::start_with(&desktop, &home, &[]);
    let watch = standins.wait_for_watch(true);
    assert_eq!(watch.idle_ms, Some(1000), "the watch uses idle_threshold");
    let status = stdout(&cli(&desktop, &home, &["status"]));
    assert!(status.contains("\nidle: GNOME Mutter IdleMonitor\n"), "{status}");
    assert!(status.contains("\nlock: not available (no system bus"), "{status}");

    standins.go_idle(); // idle since a second ago
    wait_until("status to say idle", || (status_json(&desktop, &home)["away"] == "idle").then_some(()));
    std::thread::sleep(Duration::from_millis(2500));
    let back = Utc::now();
    standins.come_back();
    daemon.wait_log("a natural break; restarted the posture timers", WAIT);
    // Written by the store's own thread, right after the log line.
    wait_until("the natural break stored", || (!natural_breaks(&home).is_empty()).then_some(()));
    assert_eq!(natural_breaks(&home), [("posture".to_owned(), "idle".to_owned())]);
    assert!(next_at(&desktop, &home) >= back + chrono::Duration::milliseconds(2500));
    assert!(desktop.notifications().is_empty(), "{:?}", desktop.notifications());
    assert_eq!(standins.wait_for_watch(true).id, watch.id, "the idle watch stays for next time");
}

#[test]
fn a_short_idle_is_no_break_and_the_reminder_due_meanwhile_comes_once_on_return() {
    let desktop = Desktop::start();
    let standins = Standins::start(None, Some(desktop.bus_address()));
    let home = Home::new();
    home.write_config(&config("3s", "[session]\nidle_threshold = \"1s\"\n"));
    let daemon = Daemon::start_with(&desktop, &home, &[]);
    standins.go_idle();
    daemon.wait_log("held back a posture reminder: you are away", WAIT);
    assert!(desktop.notifications().is_empty());
    standins.come_back();
    desktop.wait_for(1, WAIT);
    assert!(daemon.log().contains("too short for a break"), "{}", daemon.log());
    // Nothing more before the next interval (3 s) is up: see `status_after`.
    let status = status_after(&desktop, &home, Utc::now() + chrono::Duration::seconds(1));
    assert_eq!(desktop.notifications().len(), 1, "once: {:?}\n{status}", desktop.notifications());
    assert!(natural_breaks(&home).is_empty());
}

#[test]
fn input_right_after_the_idle_watch_fires_is_not_lost() {
    // Mutter's user-active watch sees only input after it is added: the daemon reads the idle
    // time once it is in place, so a return in between is not taken for a long absence.
    let desktop = Desktop::start();
    let standins = Standins::start(None, Some(desktop.bus_address()));
    let home = Home::new();
    home.write_config(&config("1h", "[session]\nidle_threshold = \"1s\"\n"));
    let daemon = Daemon::start_with(&desktop, &home, &[]);
    let idle = standins.wait_for_watch(true);
    standins.go_idle_and_back_at_once();
    daemon.wait_log("back after", WAIT);
    assert_eq!(status_json(&desktop, &home)["away"], "");
    assert!(daemon.log().contains("away: idle"), "{}", daemon.log());
    assert_eq!(standins.watches(), std::slice::from_ref(&idle), "no user-active watch left behind");
    // And the next idle period is seen as before.
    standins.go_idle();
    wait_until("status to say idle", || (status_json(&desktop, &home)["away"] == "idle").then_some(()));
    standins.come_back();
    wait_until("status to say here", || (status_json(&desktop, &home)["away"] == "").then_some(()));
    assert_eq!(standins.watches(), [idle]);
}

#[test]
fn a_user_idle_already_when_the_daemon_starts_counts_as_away() {
    // Mutter does not fire a new idle watch whose interval is already past.
    let desktop = Desktop::start();
    let standins = Standins::start(None, Some(desktop.bus_address()));
    standins.set_idletime(90_000);
    let home = Home::new();
    home.write_config(&config("1h", "[session]\nidle_threshold = \"1m\"\n"));
    let daemon = Daemon::start_with(&desktop, &home, &[]);
    daemon.wait_log("away: idle", WAIT);
    assert_eq!(status_json(&desktop, &home)["away"], "idle");
    standins.come_back();
    daemon.wait_log("back after 1.5 min (idle)", WAIT);
    assert_eq!(status_json(&desktop, &home)["away"], "");
}

#[test]
fn a_desktop_without_any_of_these_still_gets_reminders_and_says_what_is_missing() {
    let desktop = Desktop::start();
    let home = Home::new();
    home.write_config(&config("1s", ""));
    // dunst needs the X server; without DISPLAY the daemon can't see its idle counter.
    let daemon = Daemon::start_with(&desktop, &home, &[("DISPLAY", "")]);
    desktop.wait_for(2, WAIT);
    let text = stdout(&cli(&desktop, &home, &["status"]));
    assert!(text.contains("\nidle: not available on this desktop\n"), "{text}");
    assert!(text.contains("\nlock: not available (no system bus"), "{text}");
    // No system bus, no GNOME, no X: only the camera can be seen, and status says what can't.
    assert!(text.contains("not detected here: idle inhibitors, full screen\n"), "{text}");
    let json = status_json(&desktop, &home);
    assert_eq!(
        (json["idle"].as_str(), json["away"].as_str()),
        (Some("not available on this desktop"), Some(""))
    );
    let log = daemon.log();
    assert_eq!(log.matches("idle: not available").count(), 1, "said once:\n{log}");
    assert_eq!(log.matches("lock and sleep: not available").count(), 1, "said once:\n{log}");
}

#[test]
fn the_screen_saver_counts_as_time_away_where_there_is_no_mutter() {
    let desktop = Desktop::start();
    let mut standins = Standins::start(None, None);
    standins.add_screensaver(desktop.bus_address());
    let home = Home::new();
    home.write_config(&config("3s", "[session.break_length]\nposture = \"1s\"\n"));
    let daemon = Daemon::start_with(&desktop, &home, &[("DISPLAY", "")]);
    daemon.wait_log("idle: org.freedesktop.ScreenSaver", WAIT);
    standins.set_screensaver(true);
    wait_until("status to say away", || {
        (status_json(&desktop, &home)["away"] == "screensaver").then_some(())
    });
    std::thread::sleep(Duration::from_millis(1200));
    standins.set_screensaver(false);
    daemon.wait_log("a natural break; restarted the posture timers", WAIT);
    wait_until("the natural break stored", || (!natural_breaks(&home).is_empty()).then_some(()));
    assert_eq!(natural_breaks(&home), [("posture".to_owned(), "screensaver".to_owned())]);
    assert!(desktop.notifications().is_empty(), "{:?}", desktop.notifications());
}

/// Acts as an X11 window manager does for full screen: the root's `_NET_ACTIVE_WINDOW` and a
/// window's `_NET_WM_STATE`, on windows of its own on the desktop's X server.
struct Wm {
    conn: x11rb::rust_connection::RustConnection,
    root: u32,
    active: u32,
    state: u32,
    full: u32,
}

impl Wm {
    fn connect(display: &str) -> Wm {
        use x11rb::protocol::xproto::ConnectionExt as _;
        let (conn, screen) = x11rb::rust_connection::RustConnection::connect(Some(display)).unwrap();
        let root = x11rb::connection::Connection::setup(&conn).roots[screen].root;
        let atom = |name: &str| conn.intern_atom(false, name.as_bytes()).unwrap().reply().unwrap().atom;
        let (active, state, full) =
            (atom("_NET_ACTIVE_WINDOW"), atom("_NET_WM_STATE"), atom("_NET_WM_STATE_FULLSCREEN"));
        Wm { conn, root, active, state, full }
    }

    fn window(&self) -> u32 {
        use x11rb::connection::Connection as _;
        use x11rb::protocol::xproto::{ConnectionExt as _, CreateWindowAux, WindowClass};
        let w = self.conn.generate_id().unwrap();
        self.conn
            .create_window(
                0,
                w,
                self.root,
                0,
                0,
                10,
                10,
                0,
                WindowClass::INPUT_OUTPUT,
                0,
                &CreateWindowAux::new(),
            )
            .unwrap()
            .check()
            .unwrap();
        w
    }

    fn activate(&self, w: u32) {
        use x11rb::wrapper::ConnectionExt as _;
        let (mode, window) =
            (x11rb::protocol::xproto::PropMode::REPLACE, x11rb::protocol::xproto::AtomEnum::WINDOW);
        self.conn.change_property32(mode, self.root, self.active, window, &[w]).unwrap().check().unwrap();
    }

    fn set_full(&self, w: u32, on: bool) {
        use x11rb::wrapper::ConnectionExt as _;
        let (mode, atom) =
            (x11rb::protocol::xproto::PropMode::REPLACE, x11rb::protocol::xproto::AtomEnum::ATOM);
        let value: &[u32] = if on { &[self.full] } else { &[] };
        self.conn.change_property32(mode, w, self.state, atom, value).unwrap().check().unwrap();
    }
}

#[test]
fn a_full_screen_window_on_x11_holds_reminders_and_one_comes_after_the_grace() {
    let desktop = Desktop::start();
    let wm = Wm::connect(desktop.display());
    let (video, editor) = (wm.window(), wm.window());
    wm.activate(editor);
    let home = Home::new();
    home.write_config(&config("3s", "[session]\nafter_busy = \"2s\"\n"));
    let daemon = crate::daemon::Daemon::start_with(&desktop, &home, &[]);
    daemon.wait_log("X11 full screen (_NET_WM_STATE)", WAIT);
    held_while_busy_then_one_after_the_grace(
        &desktop,
        &home,
        &daemon,
        "full screen",
        // The active window goes full screen; then another comes to the front.
        || {
            wm.activate(video);
            wm.set_full(video, true);
        },
        || wm.activate(editor),
    );
}

#[test]
fn a_window_full_screen_already_when_the_daemon_starts_is_busy_until_it_leaves_full_screen() {
    let desktop = Desktop::start();
    let wm = Wm::connect(desktop.display());
    let video = wm.window();
    wm.set_full(video, true);
    wm.activate(video);
    let home = Home::new();
    home.write_config(&config("1h", ""));
    let _daemon = crate::daemon::Daemon::start_with(&desktop, &home, &[]);
    wait_until("status to say busy", || (status_json(&desktop, &home)["state"] == "busy").then_some(()));
    assert_eq!(status_json(&desktop, &home)["busy"], "full screen");
    wm.set_full(video, false);
    wait_until("status to say active", || (status_json(&desktop, &home)["state"] == "active").then_some(()));
}
