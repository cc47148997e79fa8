//! Care advice end to end: reports logged from the terminal and from the buttons, the care
//! notification the user then sees (reason, buttons, urgency), and what gets stored.

use crate::daemon::{Daemon, WAIT, cli, db, fast_config, setup, status_after, wait_until};
use crate::desktop::{Desktop, Shown};
use crate::support::{Home, stderr, stdout};
use chrono::{Duration as Days, SecondsFormat, Utc};

/// Reminders out of the way (one an hour), so every notification here is care advice.
fn config(extra: &str) -> String {
    fast_config("1h", "1h") + extra
}

fn log(desktop: &Desktop, home: &Home, args: &[&str]) -> String {
    let mut all = vec!["log"];
    all.extend_from_slice(args);
    let out = cli(desktop, home, &all);
    assert!(out.status.success(), "log {args:?}: {}", stderr(&out));
    stdout(&out)
}

fn days_ago(n: i64) -> String {
    (Utc::now() - Days::days(n)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn advice_rows(home: &Home) -> Vec<(String, String, Option<String>)> {
    let db = db(home);
    let mut stmt = db.prepare("SELECT area, reason, outcome FROM care_advice ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

fn care_notes(desktop: &Desktop) -> Vec<Shown> {
    desktop.notifications().into_iter().filter(|n| n.category == "x-postured.care").collect()
}

/// Returns once the daemon has shown all it meant to for the calls so far and for every wake due
/// by now (see `status_after`), so that a test can then assert nothing more was shown.
fn settle(desktop: &Desktop, home: &Home) {
    status_after(desktop, home, Utc::now());
}

#[test]
fn recurring_reports_bring_advice_with_its_reason_and_buttons_and_open_uses_the_care_link() {
    let (desktop, home, _daemon) = setup(&config("[care]\nlink = \"https://physio.example/book\"\n"));
    let opened = home.dir.path().join("opened");
    home.fake_program("xdg-open", &format!("#!/bin/sh\nprintf '%s\\n' \"$1\" > '{}'\n", opened.display()));
    for n in (1..=4).rev() {
        let said = log(&desktop, &home, &["--area", "upper-back", "--severity", "4", "--at", &days_ago(n)]);
        assert!(!said.contains("Worth seeing someone"), "4 days are below the threshold: {said}");
    }
    settle(&desktop, &home);
    assert!(care_notes(&desktop).is_empty(), "no advice for 4 days in 14");

    let said = log(&desktop, &home, &["--area", "upper-back", "--severity", "4"]);
    assert!(said.contains("Upper back discomfort logged on 5 of the last 14 days."), "{said}");
    let shown = wait_until("care advice", || care_notes(&desktop).pop());
    assert_eq!(shown.summary, "Worth seeing someone about it");
    assert!(
        shown.body.starts_with("Upper back discomfort logged on 5 of the last 14 days."),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("physical therapist, chiropractor or doctor"), "{}", shown.body);
    assert!(
        shown.body.ends_with("postured is not medical advice; it only points you to people who can help.")
    );
    assert_eq!(shown.urgency, "NORMAL");
    let mut keys: Vec<&str> = shown.actions.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort();
    assert_eq!(keys, ["booked", "default", "later", "open"]);
    assert_eq!(shown.action("booked"), Some("I've booked/seen someone"));

    desktop.click(shown.id, "open");
    let link = wait_until("xdg-open", || std::fs::read_to_string(&opened).ok());
    assert_eq!(link, "https://physio.example/book\n");
    wait_until("the answer stored", || {
        (advice_rows(&home) == [("upper-back".into(), "recurrence".into(), Some("opened".into()))])
            .then_some(())
    });

    // The same advice is not repeated within a week, on screen or in the terminal.
    let said = log(&desktop, &home, &["--area", "upper-back", "--severity", "4"]);
    assert!(!said.contains("logged on 5 of the last 14 days"), "{said}");
    settle(&desktop, &home);
    assert_eq!(care_notes(&desktop).len(), 1, "rate-limited: {:?}", care_notes(&desktop));

    // A warning sign passes that limit at once, critical, and stays until closed.
    let said = log(&desktop, &home, &["--area", "upper-back", "--severity", "3", "--symptom", "fever"]);
    assert!(said.contains("Please contact a doctor today"), "{said}");
    let warning = wait_until("warning advice", || care_notes(&desktop).get(1).cloned());
    assert_eq!(warning.summary, "Please contact a doctor today");
    assert!(warning.body.starts_with("You logged fever with upper back discomfort."), "{}", warning.body);
    assert_eq!((warning.urgency.as_str(), warning.timeout), ("CRITICAL", 0));
    assert!(warning.actions.is_empty(), "no stretch, no snooze, no clinic link: {:?}", warning.actions);
}

#[test]
fn a_warning_sign_during_do_not_disturb_and_quiet_hours_still_notifies() {
    let quiet = config("").replace("quiet_hours = []", "quiet_hours = [\"00:00-24:00\"]");
    let (desktop, home, _daemon) = setup(&quiet);
    desktop.set_paused(true);
    // Routine advice waits for quiet hours and do-not-disturb to end...
    let said = log(&desktop, &home, &["--area", "neck", "--severity", "8"]);
    assert!(said.contains("Go gently today"), "{said}");
    // ...a warning sign does not.
    log(&desktop, &home, &["--area", "neck", "--severity", "5", "--symptom", "headache"]);
    let shown = wait_until("warning advice", || care_notes(&desktop).pop());
    assert_eq!(shown.summary, "Please get medical help now");
    assert!(shown.body.contains("emergency number"), "{}", shown.body);
    assert_eq!(shown.urgency, "CRITICAL");
    settle(&desktop, &home);
    let given = [
        ("severe".to_owned(), "terminal".to_owned()),
        ("warning_now".into(), "terminal,notification".into()),
    ];
    assert_eq!(shown_in(&home), given, "the severe report's advice was given in the terminal only");
    assert_eq!(care_notes(&desktop).len(), 1);
    // Do-not-disturb ends: advice printed in the terminal does not come back as a notification.
    desktop.set_paused(false);
    settle(&desktop, &home);
    assert_eq!(care_notes(&desktop).len(), 1);
}

#[test]
fn logging_from_the_buttons_with_tingling_gets_a_warning_and_booked_quiets_that_area_only() {
    let (desktop, home, _daemon) = setup(&fast_config("2s", "1h"));
    let first = desktop.wait_for(1, WAIT)[0].clone();
    desktop.click(first.id, "log");
    let area = desktop.wait_for(2, WAIT)[1].clone();
    desktop.click(area.id, "area:neck");
    let severity = desktop.wait_for(3, WAIT)[2].clone();
    desktop.click(severity.id, "severity:8");
    let signs = desktop.wait_for(4, WAIT)[3].clone();
    desktop.click(signs.id, "symptom:tingling");
    let warning = wait_until("warning advice", || {
        care_notes(&desktop).into_iter().find(|n| n.summary == "Please contact a doctor today")
    });
    assert!(warning.body.contains("numbness or tingling with neck discomfort"), "{}", warning.body);
    settle(&desktop, &home);
    assert_eq!(care_notes(&desktop).len(), 1, "no routine 'go gently' beside the warning sign");
    log(&desktop, &home, &["--area", "shoulders", "--severity", "8"]);
    let severe = wait_until("severe advice", || {
        care_notes(&desktop).into_iter().find(|n| n.summary == "Go gently today")
    });
    let symptoms: String = db(&home).query_row("SELECT symptoms FROM discomfort", [], |r| r.get(0)).unwrap();
    assert_eq!(symptoms, "tingling");

    desktop.click(severe.id, "booked");
    wait_until("booked stored", || {
        advice_rows(&home)
            .iter()
            .any(|(_, r, o)| r == "severe" && o.as_deref() == Some("booked"))
            .then_some(())
    });
    let before = care_notes(&desktop).len();
    // Worse again in the shoulders: quiet, it was booked. The wrists are another matter.
    log(&desktop, &home, &["--area", "shoulders", "--severity", "9"]);
    settle(&desktop, &home);
    assert_eq!(care_notes(&desktop).len(), before, "booked quiets the shoulders");
    log(&desktop, &home, &["--area", "wrists", "--severity", "8"]);
    let wrists = wait_until("wrist advice", || care_notes(&desktop).get(before).cloned());
    assert!(wrists.body.starts_with("Wrist discomfort logged at 8/10."), "{}", wrists.body);
}

#[test]
fn bad_log_calls_over_d_bus_get_clear_errors_and_store_nothing() {
    let (desktop, home, _daemon) = setup(&config(""));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let errors: Vec<String> = rt.block_on(async {
        let conn = zbus::connection::Builder::address(desktop.bus_address()).build().await.unwrap();
        let proxy = postured::adapters::control::ClientProxy::new(&conn).await.unwrap();
        let future = (Utc::now() + Days::days(2)).timestamp();
        let calls: [(&str, u32, &[&str], &str, i64); 5] = [
            ("elbow", 3, &[], "", 0),
            ("neck", 11, &[], "", 0),
            ("neck", 3, &["hiccups"], "", 0),
            ("neck", 3, &[], "", future),
            ("neck", 3, &[], &"x".repeat(5000), 0),
        ];
        let mut errors = Vec::new();
        for (area, severity, symptoms, note, at) in calls {
            let err = proxy.log(area, severity, symptoms, note, at).await.expect_err("refused");
            errors.push(err.to_string());
        }
        errors
    });
    let expected = [
        "unknown area `elbow`",
        "severity must be from 0 to 10, got 11",
        "unknown symptom `hiccups`",
        "--at is in the future",
        "the note is 5000 characters; at most 1000 are kept",
    ];
    for (err, want) in errors.iter().zip(expected) {
        assert!(err.contains(want), "{err:?} should say {want:?}");
    }
    let count: i64 = db(&home).query_row("SELECT count(*) FROM discomfort", [], |r| r.get(0)).unwrap();
    assert_eq!(count, 0);
    // And the daemon is still there to take a good one.
    let said = log(&desktop, &home, &["--area", "neck", "--severity", "3"]);
    assert!(said.starts_with("Logged neck discomfort, 3/10 (report 1)."), "{said}");
    // Another program's reports are stored with its own name (or `dbus`), not as `cli`.
    let refused = rt.block_on(async {
        let conn = zbus::connection::Builder::address(desktop.bus_address()).build().await.unwrap();
        let proxy = postured::adapters::control::ClientProxy::new(&conn).await.unwrap();
        proxy.log_from("waybar", "neck", 2, &[], "", 0).await.unwrap();
        proxy.log("neck", 2, &[], "", 0).await.unwrap();
        let mut refused = Vec::new();
        for bad in ["", "Waybar", "notification", "a b"] {
            refused.push(proxy.log_from(bad, "neck", 2, &[], "", 0).await.expect_err("refused").to_string());
        }
        refused
    });
    assert!(refused[0].contains("the source must be 1 to 32 of a-z"), "{refused:?}");
    assert!(refused[2].contains("`notification` is postured's own"), "{refused:?}");
    let db = db(&home);
    let mut stmt = db.prepare("SELECT source FROM discomfort ORDER BY id").unwrap();
    let sources: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(sources, ["cli", "waybar", "dbus"]);
}

fn shown_in(home: &Home) -> Vec<(String, String)> {
    let db = db(home);
    let mut stmt = db.prepare("SELECT reason, shown_in FROM care_advice ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn advice_printed_without_the_daemon_is_stored_counts_for_the_limits_and_is_not_shown_again() {
    let desktop = Desktop::start();
    let home = Home::new();
    home.write_config(&config(""));
    // No daemon on the bus: `log` stores the report itself and prints the advice.
    let said = log(&desktop, &home, &["--area", "neck", "--severity", "8"]);
    assert!(said.contains("Go gently today"), "{said}");
    let said = log(&desktop, &home, &["--area", "neck", "--severity", "6"]);
    assert!(!said.contains("Go gently today"), "not again within repeat_after: {said}");
    let said = log(&desktop, &home, &["--area", "upper-back", "--severity", "3", "--symptom", "fever"]);
    assert!(said.contains("Please contact a doctor today"), "{said}");
    let rows = [("severe".to_owned(), "terminal".to_owned()), ("warning_today".into(), "terminal".into())];
    assert_eq!(shown_in(&home), rows);
    let report = cli(&desktop, &home, &["report", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let given: Vec<(&str, String)> = json["advice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["reason"].as_str().unwrap(), a["shown_in"].to_string()))
        .collect();
    assert_eq!(given, [("severe", r#"["terminal"]"#.into()), ("warning_today", r#"["terminal"]"#.into())]);
    let markdown = stdout(&cli(&desktop, &home, &["report", "--format", "markdown"]));
    assert!(!markdown.contains("did not suggest seeing anyone"), "{markdown}");
    assert!(markdown.contains("| In the terminal | None asked |"), "{markdown}");

    // The daemon starts: neither piece of advice is shown again.
    let _daemon = Daemon::start(&desktop, &home);
    settle(&desktop, &home);
    assert!(care_notes(&desktop).is_empty(), "{:?}", care_notes(&desktop));
    assert_eq!(shown_in(&home), rows);
    // Through the daemon, the terminal's advice is also shown where it can be answered: one
    // row, both places.
    let said = log(&desktop, &home, &["--area", "wrists", "--severity", "7"]);
    assert!(said.contains("Go gently today"), "{said}");
    let shown = wait_until("the same advice on screen", || care_notes(&desktop).pop());
    assert_eq!(shown.summary, "Go gently today");
    wait_until("both places stored", || {
        (shown_in(&home).last() == Some(&("severe".to_owned(), "terminal,notification".to_owned())))
            .then_some(())
    });
    assert_eq!(shown_in(&home).len(), 3);
    let source: String =
        db(&home).query_row("SELECT source FROM discomfort ORDER BY id DESC", [], |r| r.get(0)).unwrap();
    assert_eq!(source, "cli");
}

#[test]
fn severe_chest_discomfort_is_urgent_and_all_chest_advice_says_when_to_get_help() {
    let home = Home::new();
    let log = |args: &[&str]| {
        let mut all = vec!["log"];
        all.extend_from_slice(args);
        let out = home.run(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let below = log(&["--area", "chest", "--severity", "6"]);
    assert!(!below.contains("medical help"), "{below}");
    let severe = log(&["--area", "chest", "--severity", "8"]);
    assert!(severe.contains("Please get medical help now"), "{severe}");
    assert!(severe.contains("You logged chest discomfort at 8/10. Don't wait"), "{severe}");
    assert!(severe.contains("needs urgent help: call your local emergency number"), "{severe}");
    assert!(!severe.contains("physical therapist"), "{severe}");
    let plan = stdout(&home.run(&["plan", "--json"]));
    assert!(!plan.contains("\"entry\":\"doorway-chest"), "no stretch for the chest while paused: {plan}");
}

#[test]
fn the_rest_of_the_briefs_rules_through_postured_log() {
    // Issue 10, item 5: F1, RC1, wrists, eyes and the upper body as a whole, from the terminal.
    let home = Home::new();
    let log = |args: &[&str]| {
        let mut all = vec!["log"];
        all.extend_from_slice(args);
        let out = home.run(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let sleep = log(&["--area", "lower-back", "--severity", "4", "--symptom", "disturbs-sleep"]);
    assert!(sleep.contains("Worth booking a visit"), "{sleep}");
    assert!(sleep.contains("Lower back discomfort that disturbs sleep."), "{sleep}");
    let stopped = log(&["--area", "shoulders", "--severity", "4", "--symptom", "activities"]);
    assert!(stopped.contains("Shoulder discomfort that stopped normal activities."), "{stopped}");
    let night = log(&["--area", "wrists", "--severity", "3", "--symptom", "numbness", "--symptom", "night"]);
    assert!(night.contains("Wrist numbness or tingling that wakes you at night."), "{night}");
    assert!(!night.contains("contact a doctor today"), "{night}");
    let vision = log(&["--area", "eyes", "--severity", "3", "--symptom", "vision"]);
    assert!(vision.contains("Please see an optometrist or doctor today"), "{vision}");
    // RC1: two earlier episodes (200 and 100 days ago) and this one.
    log(&["--area", "neck", "--severity", "3", "--at", &days_ago(200)]);
    let second = log(&["--area", "neck", "--severity", "3", "--at", &days_ago(100)]);
    assert!(!second.contains("prevention plan"), "{second}");
    let third = log(&["--area", "neck", "--severity", "3"]);
    assert!(third.contains("Worth a plan to keep it away"), "{third}");
    assert!(
        third.contains("Neck discomfort came back: 3 separate episodes in the last 12 months."),
        "{third}"
    );
    let report = home.run(&["report", "--format", "json", "--days", "365"]);
    let json: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let reasons: Vec<&str> =
        json["advice"].as_array().unwrap().iter().map(|a| a["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["function", "function", "numbness", "warning_today", "episodes"]);
}

#[test]
fn pops_through_the_daemon_bring_the_popping_note_once_on_screen_and_in_the_terminal() {
    // Issue 10: `LogPop` over D-Bus and `postured log --popped` with the daemon running; four
    // earlier days of more than 3 pops, and a fifth today.
    let (desktop, home, _daemon) = setup(&config(""));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let answers: Vec<(i64, usize)> = rt.block_on(async {
        let conn = zbus::connection::Builder::address(desktop.bus_address()).build().await.unwrap();
        let proxy = postured::adapters::control::ClientProxy::new(&conn).await.unwrap();
        let mut answers = Vec::new();
        for d in 1..=4 {
            for _ in 0..4 {
                let (id, advice) =
                    proxy.log_pop("mybar", (Utc::now() - Days::days(d)).timestamp()).await.unwrap();
                answers.push((id, advice.len()));
            }
        }
        let err = proxy.log_pop("notification", 0).await.expect_err("postured's own source");
        assert!(err.to_string().contains("name your program"), "{err}");
        let err = proxy.log_pop("mybar", (Utc::now() + Days::days(2)).timestamp()).await.expect_err("future");
        assert!(err.to_string().contains("--at is in the future"), "{err}");
        for _ in 0..3 {
            answers.push((proxy.log_pop("mybar", 0).await.unwrap().0, 0));
        }
        answers
    });
    assert_eq!(answers.len(), 19);
    assert!(answers.iter().all(|(_, advice)| *advice == 0), "{answers:?}");
    let said = log(&desktop, &home, &["--popped"]);
    assert!(said.contains("About the urge to pop your back"), "{said}");
    assert!(said.contains("more than 3 pops a day on 5 of the last 14 days"), "{said}");
    let shown = wait_until("the note on screen", || care_notes(&desktop).pop());
    assert_eq!(shown.summary, "About the urge to pop your back");
    let said = log(&desktop, &home, &["--popped"]);
    assert!(!said.contains("About the urge"), "at most once every 14 days: {said}");
    let sources: Vec<String> = {
        let db = db(&home);
        let mut stmt = db.prepare("SELECT DISTINCT source FROM pops ORDER BY source").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(sources, ["cli", "mybar"]);
    wait_until("both places stored", || {
        (shown_in(&home) == [("popping".to_owned(), "terminal,notification".to_owned())]).then_some(())
    });
}

#[test]
fn one_naming_table_the_cli_and_d_bus_take_the_same_names_and_aliases() {
    let (desktop, home, _daemon) = setup(&config(""));
    log(&desktop, &home, &["--area", "wrists", "--severity", "2", "--symptom", "numbness"]);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let unknown = rt.block_on(async {
        let conn = zbus::connection::Builder::address(desktop.bus_address()).build().await.unwrap();
        let proxy = postured::adapters::control::ClientProxy::new(&conn).await.unwrap();
        proxy.log("wrists", 2, &["numbness"], "", 0).await.expect("an alias over D-Bus");
        proxy.log("wrists", 2, &["disturbs-sleep"], "", 0).await.expect("an alias over D-Bus");
        proxy.log("wrists", 2, &["hiccups"], "", 0).await.expect_err("refused").to_string()
    });
    for name in ["tingling (numbness)", "weight-loss", "sleep (disturbs-sleep)"] {
        assert!(unknown.contains(name), "{unknown:?} should list {name:?}");
    }
    let rows = wait_until("three reports", || {
        let db = db(&home);
        let mut stmt = db.prepare("SELECT symptoms FROM discomfort ORDER BY id").unwrap();
        let rows: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        (rows.len() == 3).then_some(rows)
    });
    assert_eq!(rows, ["tingling", "tingling", "sleep"]);
    // An unknown name from the terminal lists the valid ones too.
    let out = cli(&desktop, &home, &["log", "--area", "elbow", "--severity", "2"]);
    assert!(stderr(&out).contains("possible values: neck, upper-back, shoulders"), "{}", stderr(&out));
}

/// A desktop portal's `OpenURI`, as xdg-desktop-portal serves it, recording what it was asked
/// to open.
struct Portal {
    opened: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

#[zbus::interface(name = "org.freedesktop.portal.OpenURI")]
impl Portal {
    #[zbus(name = "OpenURI")]
    fn open_uri(
        &self,
        _parent_window: &str,
        uri: &str,
        _options: std::collections::HashMap<&str, zbus::OwnedVariant>,
    ) -> zbus::OwnedObjectPath {
        self.opened.lock().unwrap().push(uri.to_owned());
        zbus::OwnedObjectPath::try_from("/org/freedesktop/portal/desktop/request/1_1/t").unwrap()
    }
}

#[test]
fn open_goes_through_the_desktop_portal_where_there_is_one() {
    let (desktop, home, _daemon) = setup(&config("[care]\nlink = \"https://physio.example/book\"\n"));
    // xdg-open would leave a mark: it must not be used when a portal answers.
    let fallback = home.dir.path().join("xdg-opened");
    home.fake_program("xdg-open", &format!("#!/bin/sh\nprintf '%s\\n' \"$1\" > '{}'\n", fallback.display()));
    let opened = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let _portal = rt.block_on(async {
        zbus::connection::Builder::address(desktop.bus_address())
            .name("org.freedesktop.portal.Desktop")
            .serve_at("/org/freedesktop/portal/desktop", Portal { opened: opened.clone() })
            .build()
            .await
            .expect("portal stand-in on the session bus")
    });
    for n in (0..=4).rev() {
        log(&desktop, &home, &["--area", "upper-back", "--severity", "4", "--at", &days_ago(n)]);
    }
    let shown = wait_until("care advice", || care_notes(&desktop).pop());
    desktop.click(shown.id, "open");
    // The stand-in answers on its own thread-less runtime: let it run while waiting.
    let asked = rt.block_on(async {
        for _ in 0..500 {
            if let Some(uri) = opened.lock().unwrap().first().cloned() {
                return Some(uri);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        None
    });
    assert_eq!(asked.as_deref(), Some("https://physio.example/book"), "the portal was not asked");
    wait_until("the answer stored", || {
        advice_rows(&home).iter().any(|r| r.2.as_deref() == Some("opened")).then_some(())
    });
    assert!(!fallback.exists(), "xdg-open was used although the portal answered");
}
