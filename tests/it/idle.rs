//! Idle from the display server itself, where there is no Mutter: X11's SYNC `IDLETIME`
//! alarms under a real Xvfb, with `xdotool` making input through XTEST.

use crate::daemon::{Daemon, db, fast_config, status_json, wait_until};
use crate::desktop::Desktop;
use crate::extidle::ExtIdleCompositor;
use crate::support::Home;
use crate::sway::Sway;
use std::process::Command;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

fn natural_breaks(home: &Home) -> Vec<(String, String)> {
    let db = db(home);
    let mut stmt = db.prepare("SELECT kind, cause FROM natural_breaks ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

/// Moves the pointer on the desktop's X server, as a user would.
fn move_pointer(desktop: &Desktop, x: u32) {
    let status = Command::new("xdotool")
        .env("DISPLAY", desktop.display())
        .args(["mousemove", &x.to_string(), "10"])
        .status()
        .expect("run xdotool");
    assert!(status.success(), "xdotool mousemove failed");
}

fn away(desktop: &Desktop, home: &Home) -> String {
    status_json(desktop, home)["away"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn x11_idle_alarms_count_time_away_from_the_keyboard() {
    let desktop = Desktop::start();
    let home = Home::new();
    home.write_config(&format!(
        "{}[session]\nidle_threshold = \"1s\"\n[session.break_length]\nposture = \"2s\"\n",
        fast_config("1h", "1h")
    ));
    move_pointer(&desktop, 5);
    let daemon = Daemon::start_with(&desktop, &home, &[]);
    daemon.wait_log("idle: X11 SYNC IDLETIME", WAIT);
    assert!(
        status_json(&desktop, &home)["idle"].as_str().unwrap().starts_with("X11 SYNC IDLETIME ("),
        "{}",
        status_json(&desktop, &home)
    );
    for round in 0..2 {
        move_pointer(&desktop, 20 + round);
        // No input for a second: the rising alarm.
        wait_until("status to say idle", || (away(&desktop, &home) == "idle").then_some(()));
        std::thread::sleep(Duration::from_millis(2200));
        move_pointer(&desktop, 40 + round);
        wait_until("status to say here", || away(&desktop, &home).is_empty().then_some(()));
        wait_until("the natural break stored", || {
            (natural_breaks(&home).len() > round as usize).then_some(())
        });
    }
    assert_eq!(natural_breaks(&home), vec![("posture".to_owned(), "idle".to_owned()); 2]);
    assert_eq!(daemon.log().matches("idle: X11").count(), 1, "said once:\n{}", daemon.log());
}

#[test]
fn x11_idle_already_past_the_threshold_at_start_counts_until_input() {
    let desktop = Desktop::start();
    let home = Home::new();
    home.write_config(&format!("{}[session]\nidle_threshold = \"1s\"\n", fast_config("1h", "1h")));
    move_pointer(&desktop, 5);
    std::thread::sleep(Duration::from_millis(1500));
    let daemon = Daemon::start_with(&desktop, &home, &[]);
    daemon.wait_log("away: idle", WAIT);
    assert_eq!(away(&desktop, &home), "idle");
    move_pointer(&desktop, 50);
    daemon.wait_log("back after", WAIT);
    assert_eq!(away(&desktop, &home), "");
}

#[test]
fn wayland_idle_from_headless_sway_counts_time_away_and_says_which_protocol() {
    let sway = Sway::start();
    let desktop = Desktop::start();
    let home = Home::new();
    home.write_config(&format!(
        "{}[session]\nidle_threshold = \"1s\"\n[session.break_length]\nposture = \"2s\"\n",
        fast_config("1h", "1h")
    ));
    let socket = sway.socket();
    let daemon = Daemon::start_with(&desktop, &home, &[("WAYLAND_DISPLAY", socket.to_str().unwrap())]);
    // Preferred over the X server's counter, which is there too.
    daemon.wait_log("idle: org_kde_kwin_idle (sway)", WAIT);
    assert_eq!(status_json(&desktop, &home)["idle"], "org_kde_kwin_idle (sway)");
    for round in 0..2 {
        sway.move_cursor();
        wait_until("status to say idle", || (away(&desktop, &home) == "idle").then_some(()));
        std::thread::sleep(Duration::from_millis(2200));
        sway.move_cursor();
        wait_until("status to say here", || away(&desktop, &home).is_empty().then_some(()));
        wait_until("the natural break stored", || (natural_breaks(&home).len() > round).then_some(()));
    }
    assert_eq!(natural_breaks(&home), vec![("posture".to_owned(), "idle".to_owned()); 2]);
    assert_eq!(daemon.log().matches("idle: org_kde_kwin_idle").count(), 1, "said once:\n{}", daemon.log());
}

#[test]
fn ext_idle_notify_is_used_where_the_compositor_offers_it() {
    let compositor = ExtIdleCompositor::start();
    let desktop = Desktop::start();
    let home = Home::new();
    home.write_config(&format!(
        "{}[session]\nidle_threshold = \"1s\"\n[session.break_length]\nposture = \"1s\"\n",
        fast_config("1h", "1h")
    ));
    let socket = compositor.socket().to_str().unwrap().to_owned();
    let daemon = Daemon::start_with(&desktop, &home, &[("WAYLAND_DISPLAY", &socket)]);
    daemon.wait_log("idle: ext-idle-notify-v1 (", WAIT);
    assert!(status_json(&desktop, &home)["idle"].as_str().unwrap().starts_with("ext-idle-notify-v1 ("));
    wait_until("one notification for the threshold", || (compositor.timeouts() == [1000]).then_some(()));
    compositor.set_idle(true);
    wait_until("status to say idle", || (away(&desktop, &home) == "idle").then_some(()));
    std::thread::sleep(Duration::from_millis(500));
    compositor.set_idle(false);
    daemon.wait_log("a natural break; restarted the posture timers", WAIT);
    assert_eq!(away(&desktop, &home), "");

    // A reload with a new threshold: a new notification object replaces the old one.
    home.write_config(&format!("{}[session]\nidle_threshold = \"3s\"\n", fast_config("1h", "1h")));
    crate::daemon::cli(&desktop, &home, &["reload"]);
    wait_until("the new notification", || (compositor.timeouts() == [3000]).then_some(()));
}
