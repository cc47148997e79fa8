//! What the decision engine (issue 9) promises, tried end to end on real dunst as a user meets
//! it: Snooze brings the suggestion back; nothing of ours stays on screen after the daemon stops
//! or crashes; notification ids belong to the server that gave them; a reload acts at once; and
//! dunst's do-not-disturb shows in `status` as soon as it changes.

use crate::daemon::{
    Daemon, WAIT, cli, db, fast_config, outcomes, setup, status_after, status_json, status_time, wait_until,
};
use crate::desktop::{Desktop, Shown};
use crate::support::{Home, stderr};
use chrono::Utc;
use futures_util::StreamExt;
use std::time::{Duration, Instant};

/// How soon `status` and `StateChanged` follow a change of the server's do-not-disturb.
const FOLLOWS_WITHIN: Duration = Duration::from_secs(1);

/// `config` in a fixed time zone where it is about noon now, so that holds of up to an hour stay
/// within today's working period (the hours in `fast_config` end at midnight) whenever this runs.
fn at_noon(config: &str) -> String {
    use chrono::Timelike;
    let offset = 12 - i64::from(Utc::now().hour()); // -11..=12
    // POSIX-style names count the other way: Etc/GMT-5 is five hours ahead of UTC.
    let zone = match offset {
        0 => "Etc/GMT".to_owned(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    };
    format!("timezone = \"{zone}\"\n{config}")
}

/// (title, body, outcome) of every reminder stored, in order.
fn reminders(home: &Home) -> Vec<(String, String, Option<String>)> {
    let db = db(home);
    let mut stmt = db.prepare("SELECT title, body, outcome FROM reminders ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

/// (reason, outcome) of every piece of care advice stored, in order.
fn advice(home: &Home) -> Vec<(String, Option<String>)> {
    let db = db(home);
    let mut stmt = db.prepare("SELECT reason, outcome FROM care_advice ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

/// `fast_config` with a minute between reminders, so that the first (due after `interval`) is the
/// only one for the rest of a short test.
fn one_reminder(interval: &str) -> String {
    at_noon(&fast_config(interval, "1h").replace("min_gap = \"1s\"", "min_gap = \"1m\""))
}

fn reminder_notes(desktop: &Desktop) -> Vec<Shown> {
    desktop.notifications().into_iter().filter(|n| n.category == "x-postured.reminder").collect()
}

fn log(desktop: &Desktop, home: &Home, args: &[&str]) {
    let mut all = vec!["log"];
    all.extend_from_slice(args);
    let out = cli(desktop, home, &all);
    assert!(out.status.success(), "log {args:?}: {}", stderr(&out));
}

fn reload(desktop: &Desktop, home: &Home) {
    let out = cli(desktop, home, &["reload"]);
    assert!(out.status.success(), "reload: {}", stderr(&out));
}

/// Waits until dunst has `n` notifications on screen.
fn wait_displayed(desktop: &Desktop, n: u32, what: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let now = desktop.displayed_count();
        if now == n {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: dunst shows {now} notification(s), not {n}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until dunst has closed notification `id`; says what is still on screen if it doesn't.
fn wait_closed(desktop: &Desktop, id: u32, what: &str) {
    let deadline = Instant::now() + WAIT;
    while !desktop.closed_ids().contains(&id) {
        assert!(
            Instant::now() < deadline,
            "{what}: notification {id} is still open after {WAIT:?} ({} on screen)",
            desktop.displayed_count()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Asks for the status until `ok` accepts it; panics with the last one after `WAIT`.
fn wait_status(
    desktop: &Desktop,
    home: &Home,
    what: &str,
    ok: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let status = status_json(desktop, home);
        if ok(&status) {
            return status;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}; the status says {status}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

// Item 1: with the defaults (30m interval, 15m snooze), Snooze did what Skip does: showing a
// reminder had already set the next one an interval later, and a snooze only ever moves it later.
#[test]
fn snooze_brings_the_same_suggestion_back_after_the_snooze_time() {
    let (desktop, home, _daemon) = setup(&at_noon(&fast_config("8s", "2s")));
    let first = desktop.wait_for(1, WAIT)[0].clone();
    let clicked = Utc::now();
    desktop.click(first.id, "snooze");
    wait_until("the snooze stored", || {
        (outcomes(&home).first()?.1.as_deref() == Some("snoozed")).then_some(())
    });
    let status = status_json(&desktop, &home);
    assert_eq!(
        (status["state"].as_str(), status["next_why"].as_str()),
        (Some("snoozed"), Some("snoozed")),
        "status after Snooze: {status}"
    );
    let until = status_time(&status, "snoozed_until").unwrap_or_else(|| panic!("no snoozed_until: {status}"));
    let after = (until - clicked).num_milliseconds();
    assert!((1000..=3500).contains(&after), "snoozed until {after} ms after the click, not 2 s: {status}");
    wait_closed(&desktop, first.id, "the snoozed reminder");

    let again = desktop.wait_for(2, WAIT)[1].clone();
    let came = Utc::now();
    assert_eq!((&again.summary, &again.body), (&first.summary, &first.body), "the same suggestion again");
    assert!(came >= until, "back at {came}, before the snooze ended at {until}");
    assert!(
        came < clicked + chrono::Duration::seconds(6),
        "back {} ms after the click: the interval (8 s) brought it, not the snooze (2 s)",
        (came - clicked).num_milliseconds()
    );
    let rows = wait_until("a second reminder row", || {
        let rows = reminders(&home);
        (rows.len() == 2).then_some(rows)
    });
    assert_eq!(rows[0].2.as_deref(), Some("snoozed"));
    assert_eq!((&rows[1].0, &rows[1].1, &rows[1].2), (&rows[0].0, &rows[0].1, &None), "a new row: {rows:?}");
}

// Item 3: SIGTERM left the reminder on screen with dead buttons. Warning-sign advice is the user's
// to close.
#[test]
fn sigterm_closes_the_reminder_on_screen_and_leaves_warning_advice() {
    let (desktop, home, mut daemon) = setup(&one_reminder("3s"));
    desktop.wait_for(1, WAIT);
    log(&desktop, &home, &["--area", "neck", "--severity", "4", "--symptom", "fever"]);
    let warning = wait_until("warning advice", || {
        desktop.notifications().into_iter().find(|n| n.category == "x-postured.care")
    });
    assert_eq!(warning.urgency, "CRITICAL");
    let on_screen = reminder_notes(&desktop).last().cloned().unwrap();
    wait_displayed(&desktop, 2, "the reminder and the warning advice on screen");

    let (status, _) = daemon.terminate();
    assert_eq!(status.code(), Some(0));
    wait_closed(&desktop, on_screen.id, "the reminder after SIGTERM");
    assert_eq!(desktop.displayed_count(), 1, "the warning advice stays: closed {:?}", desktop.closed_ids());
    assert!(!desktop.closed_ids().contains(&warning.id), "the warning advice was closed");
    let rows = reminders(&home);
    assert_eq!(rows.last().unwrap().2.as_deref(), Some("shutdown"), "{rows:?}");
    assert!(rows.iter().all(|r| r.2.is_some()), "every reminder has an outcome: {rows:?}");
    assert_eq!(advice(&home), [("warning_today".to_owned(), None)], "the warning is unanswered");
}

// Item 3: after a crash, the next run finds the reminder the last one left, closes it and
// records it, instead of showing a second one beside it.
#[test]
fn a_reminder_left_by_a_killed_daemon_is_closed_by_the_next_start() {
    let (desktop, home, mut daemon) = setup(&at_noon(&fast_config("2s", "1h")));
    desktop.wait_for(1, WAIT);
    wait_until("the reminder's row", || (!outcomes(&home).is_empty()).then_some(()));
    daemon.kill();
    let left = reminder_notes(&desktop).last().cloned().unwrap();
    assert_eq!(desktop.displayed_count(), 1, "the killed daemon's reminder is still on screen");
    let stored = outcomes(&home).len();

    let before = reminder_notes(&desktop).len();
    let _daemon = Daemon::start(&desktop, &home);
    // The next reminder is due at once (2 s after the leftover): wait for it, then look.
    let next = wait_until("a reminder from the new daemon", || reminder_notes(&desktop).get(before).cloned());
    assert_ne!(next.id, left.id);
    wait_closed(&desktop, left.id, "the leftover reminder after a new start");
    wait_displayed(&desktop, 1, "only the new reminder on screen");
    let rows = wait_until("the new reminder's row", || {
        let rows = reminders(&home);
        (rows.len() > stored).then_some(rows)
    });
    assert_eq!(rows[stored - 1].2.as_deref(), Some("shutdown"), "the leftover's outcome: {rows:?}");
    assert_eq!((rows.len(), &rows[stored].2), (stored + 1, &None), "{rows:?}");
}

// Item 4: after a server restart, the new server reuses the id the old one gave our care advice.
// The click on the reminder must not be taken as an answer to advice that went with the old one.
#[test]
fn ids_from_a_server_that_went_away_are_not_matched_to_the_next_servers() {
    let (mut desktop, home, _daemon) = setup(&at_noon(&fast_config("6s", "1h")));
    // One report at or above `care.severe` (7) calls for routine advice at once.
    log(&desktop, &home, &["--area", "shoulders", "--severity", "8"]);
    let care = wait_until("care advice", || desktop.notifications().first().cloned());
    assert_eq!(care.category, "x-postured.care", "the care advice comes first, long before the reminder");
    desktop.stop_dunst();
    let on_first = desktop.notifications().len();
    assert_eq!(on_first, 1, "the reminder came before dunst restarted: too slow a machine for this test");
    desktop.start_dunst();

    let reminder = desktop.wait_for(2, WAIT)[1].clone();
    assert_eq!(reminder.category, "x-postured.reminder");
    assert_eq!(reminder.id, care.id, "the new dunst reuses the id (this test needs it to)");
    desktop.click(reminder.id, "done");
    let rows = wait_until("the click stored", || {
        let (r, a) = (outcomes(&home), advice(&home));
        let answered =
            r.first().is_some_and(|r| r.1.is_some()) || a[0].1.as_deref().is_some_and(|o| o != "lost");
        answered.then_some((r, a))
    });
    assert_eq!(
        rows.0,
        [("posture".to_owned(), Some("done".to_owned()))],
        "the reminder is done; advice: {:?}",
        rows.1
    );
    assert!(
        matches!(rows.1[0].1.as_deref(), None | Some("lost")),
        "the advice went with the old server, not `seen` by this click: {:?}",
        rows.1
    );
}

// Item 9 (and 4): only the server that showed a notification may answer for it.
#[test]
fn a_forged_action_from_another_bus_client_changes_nothing() {
    let (desktop, home, _daemon) = setup(&one_reminder("2s"));
    let shown = desktop.wait_for(1, WAIT)[0].clone();
    wait_until("the reminder's row", || (outcomes(&home).len() == 1).then_some(()));

    let rt = runtime();
    rt.block_on(async {
        let conn = zbus::connection::Builder::address(desktop.bus_address()).build().await.unwrap();
        let dbus = zbus::fdo::DBusProxy::new(&conn).await.unwrap();
        let daemon = dbus.get_name_owner("io.github.Postured".try_into().unwrap()).await.unwrap();
        let path = "/org/freedesktop/Notifications";
        let iface = "org.freedesktop.Notifications";
        let body = (shown.id, "snooze");
        // Broadcast, and sent to the daemon alone: neither comes from the server.
        conn.emit_signal(None::<&str>, path, iface, "ActionInvoked", &body).await.unwrap();
        conn.emit_signal(Some(daemon.as_str()), path, iface, "ActionInvoked", &body).await.unwrap();
        // The bus answers in order, so by now it has passed both on: any later real click is
        // routed to the daemon after them.
        dbus.get_id().await.unwrap();
    });
    let status = status_json(&desktop, &home);
    assert_eq!(outcomes(&home)[0].1, None, "a forged Snooze was taken: {status}");
    assert_ne!(status["state"], "snoozed", "{status}");

    desktop.click(shown.id, "done");
    wait_until("the real click stored", || outcomes(&home)[0].1.is_some().then_some(()));
    assert_eq!(outcomes(&home)[0].1.as_deref(), Some("done"), "the forged Snooze came first and was taken");
}

// Item 6: a reload re-plans at once from what was shown, rather than keeping the old plan.
#[test]
fn reload_with_a_shorter_interval_brings_the_next_reminder_at_once() {
    let (desktop, home, _daemon) = setup(&at_noon(&fast_config("1h", "1h")));
    let before = status_time(&status_json(&desktop, &home), "next_at").unwrap();
    assert!(before > Utc::now() + chrono::Duration::minutes(50), "next at {before}");
    home.write_config(&at_noon(&fast_config("3s", "1h")));
    let reloaded = Utc::now();
    reload(&desktop, &home);
    let status = status_json(&desktop, &home);
    let next = status_time(&status, "next_at").unwrap_or_else(|| panic!("nothing planned: {status}"));
    assert!(
        next <= reloaded + chrono::Duration::seconds(4),
        "after a reload to 3 s, the next reminder is still {} s away: {status}",
        (next - reloaded).num_seconds()
    );
    desktop.wait_for(1, Duration::from_secs(6));
}

#[test]
fn reload_with_a_raised_hourly_cap_lifts_the_hold_at_once() {
    let one_an_hour = at_noon(&fast_config("1s", "1h").replace("max_per_hour = 60", "max_per_hour = 1"));
    let (desktop, home, _daemon) = setup(&one_an_hour);
    let first = desktop.wait_for(1, WAIT)[0].clone();
    desktop.click(first.id, "done");
    let held = wait_status(&desktop, &home, "the hourly cap to hold the next one", |s| {
        s["next_why"] == "hourly_cap"
    });
    let until = status_time(&held, "next_at").unwrap();
    assert!(until > Utc::now() + chrono::Duration::minutes(50), "held until {until}: {held}");

    home.write_config(&at_noon(&fast_config("1s", "1h")));
    let reloaded = Utc::now();
    reload(&desktop, &home);
    let status = status_json(&desktop, &home);
    assert_ne!(status["next_why"], "hourly_cap", "the old cap still holds after the reload: {status}");
    let next = status_time(&status, "next_at").unwrap_or_else(|| panic!("nothing planned: {status}"));
    assert!(next <= reloaded + chrono::Duration::seconds(3), "next at {next}: {status}");
    desktop.wait_for(2, Duration::from_secs(5));
}

#[test]
fn reload_with_a_lowered_hourly_cap_holds_at_once() {
    let (desktop, home, _daemon) = setup(&at_noon(&fast_config("2s", "1h")));
    let first = desktop.wait_for(1, WAIT)[0].clone();
    desktop.click(first.id, "done");
    wait_until("done", || outcomes(&home)[0].1.is_some().then_some(()));
    home.write_config(&at_noon(&fast_config("2s", "1h").replace("max_per_hour = 60", "max_per_hour = 1")));
    reload(&desktop, &home);
    let status = status_json(&desktop, &home);
    assert_eq!(status["next_why"], "hourly_cap", "the lowered cap holds at once: {status}");
    // And nothing comes in the next two intervals.
    let status = status_after(&desktop, &home, Utc::now() + chrono::Duration::seconds(4));
    assert_eq!(desktop.notifications().len(), 1, "shown despite the cap: {status}");
}

// Item 7: dunst announces a pause (`PropertiesChanged` on `paused`); the daemon must not wait for
// its next wake (an hour here) to notice.
#[test]
fn a_dunst_pause_shows_in_status_and_state_changed_within_a_second() {
    let (desktop, home, _daemon) = setup(&at_noon(&fast_config("1h", "1h")));
    let status = status_json(&desktop, &home);
    assert_eq!(
        (status["state"].as_str(), status["dnd"].as_bool()),
        (Some("active"), Some(false)),
        "{status}"
    );
    // Nothing else is due for the rest of the test: the next reminder is an hour away.
    let next = status_time(&status, "next_at").unwrap();
    assert!(next > Utc::now() + chrono::Duration::minutes(50), "{status}");

    let rt = runtime();
    let conn = rt.block_on(zbus::connection::Builder::address(desktop.bus_address()).build()).unwrap();
    let proxy = rt.block_on(postured::adapters::control::ClientProxy::new(&conn)).unwrap();
    let mut changes = rt.block_on(proxy.receive_state_changed()).unwrap();
    for paused in [true, false] {
        desktop.set_paused(paused);
        let want = if paused { "dnd" } else { "active" };
        let heard = rt.block_on(async {
            let wanted = async {
                while let Some(signal) = changes.next().await {
                    let s = signal.args().unwrap().status;
                    if s.dnd == paused && s.state == want {
                        return;
                    }
                }
            };
            tokio::time::timeout(FOLLOWS_WITHIN, wanted).await
        });
        assert!(
            heard.is_ok(),
            "no StateChanged with dnd {paused} within {FOLLOWS_WITHIN:?} of dunst's paused={paused}"
        );
        let status = status_json(&desktop, &home);
        assert_eq!(
            (status["state"].as_str(), status["dnd"].as_bool()),
            (Some(want), Some(paused)),
            "{status}"
        );
    }
    let status = status_json(&desktop, &home);
    let wake = status_time(&status, "next_wake");
    assert!(
        wake.is_none_or(|w| w > Utc::now() + chrono::Duration::minutes(50)),
        "no timer took part in this: {status}"
    );
    assert!(desktop.notifications().is_empty());
    drop(conn);
}
