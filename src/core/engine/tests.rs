//! The engine's decisions, one issue at a time, on a fake desktop: a notification server that
//! numbers ids from 2 like dunst (and again from 2 after a restart), and a fake clock.

use super::*;
use crate::config::{self, Source};
use chrono::TimeZone;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A fake desktop around an engine: servers, what is on screen, what was stored.
pub(super) struct Desk {
    pub engine: Engine,
    pub now: DateTime<Utc>,
    /// The server running now (unique name) and its next id.
    pub server: Option<(String, u32)>,
    /// Per server, notification id → summary, as on screen.
    pub screen: BTreeMap<(String, u32), String>,
    /// Row → outcome, as stored.
    pub outcomes: BTreeMap<i64, String>,
    pub shown_rows: Vec<(i64, Reminder)>,
    pub advice: BTreeMap<i64, (Finding, Option<String>)>,
    pub advice_shown_in: BTreeMap<i64, Vec<ShownIn>>,
    pub reports: Vec<NewReport>,
    pub next_report: i64,
    /// Pops stored from the notification's button.
    pub pops: Vec<DateTime<Utc>>,
    pub next_pop: i64,
    pub effects: Vec<Effect>,
    pub closes_after_action: bool,
    servers_started: u32,
}

pub(super) fn settings(user: &str) -> Settings {
    let source = Source { path: PathBuf::from("test.toml"), text: user.to_owned() };
    let s = config::from_sources(Some(source), None, |_| Ok(None)).unwrap_or_else(|e| panic!("{e}"));
    crate::daemon::engine_settings(&s)
}

pub(super) fn every_day(interval: &str, extra: &str) -> String {
    let mut t = String::from("timezone = \"UTC\"\n[hours]\n");
    for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        t += &format!("{d} = [\"08:00-20:00\"]\n");
    }
    t + &format!(
        "[reminders.posture]\ninterval = \"{interval}\"\ncooldown = \"0s\"\n\
         [reminders.stretch]\nenabled = false\n[reminders.movement]\nenabled = false\n\
         [limits]\nmin_gap = \"1m\"\nmax_per_hour = 60\nmax_per_day = 200\nquiet_hours = []\n\
         [notifications]\nsnooze = \"15m\"\nexpire = \"2m\"\n{extra}"
    )
}

impl Desk {
    pub fn new(settings: Settings, now: DateTime<Utc>) -> Desk {
        let engine = Engine::new(settings, PlannerState::default(), Vec::new(), (0, 0));
        let mut d = Desk {
            engine,
            now,
            server: None,
            screen: BTreeMap::new(),
            outcomes: BTreeMap::new(),
            shown_rows: Vec::new(),
            advice: BTreeMap::new(),
            advice_shown_in: BTreeMap::new(),
            reports: Vec::new(),
            next_report: 0,
            pops: Vec::new(),
            next_pop: 0,
            effects: Vec::new(),
            closes_after_action: false,
            servers_started: 0,
        };
        d.start_server();
        d
    }

    pub fn start_server(&mut self) {
        self.servers_started += 1;
        let name = format!(":1.{}", self.servers_started * 10);
        self.server = Some((name.clone(), 2));
        self.input(Input::ServerUp { name, label: "dunst 1.9.0".into(), actions: true, dnd: false });
    }

    pub fn stop_server(&mut self) {
        if let Some((name, _)) = self.server.take() {
            self.screen.retain(|(s, _), _| *s != name);
            self.input(Input::ServerGone { name });
        }
    }

    pub fn server_name(&self) -> String {
        self.server.as_ref().map(|s| s.0.clone()).unwrap_or_default()
    }

    pub fn input(&mut self, input: Input) {
        let mut queue = vec![input];
        while !queue.is_empty() {
            for i in std::mem::take(&mut queue) {
                let effects = self.engine.handle(i, self.now);
                for e in effects {
                    self.effects.push(e.clone());
                    if let Some(next) = self.execute(e) {
                        queue.push(next);
                    }
                }
            }
        }
    }

    fn execute(&mut self, e: Effect) -> Option<Input> {
        match e {
            Effect::Show { note, server, replaces, message } => match &mut self.server {
                Some((name, next)) if *name == server => {
                    let id = match replaces {
                        Some(id) if self.screen.contains_key(&(server.clone(), id)) => id,
                        _ => {
                            *next += 1;
                            *next - 1
                        }
                    };
                    self.screen.insert((server.clone(), id), message.summary);
                    Some(Input::Shown { note, server, id })
                }
                _ => Some(Input::NotShown { note, error: "ServiceUnknown".into() }),
            },
            Effect::Close { server, id } => {
                self.screen.remove(&(server, id));
                None
            }
            Effect::Store(Record::Outcome { row, outcome, .. }) => {
                self.outcomes.entry(row).or_insert(outcome.as_str().to_owned());
                None
            }
            Effect::Store(Record::Shown { row, reminder, .. }) => {
                assert!(!self.shown_rows.iter().any(|(r, _)| *r == row), "row {row} stored twice");
                self.shown_rows.push((row, reminder));
                None
            }
            Effect::Store(Record::Advice { row, finding, shown_in, .. }) => {
                assert!(!self.advice.contains_key(&row), "advice row {row} stored twice");
                self.advice.insert(row, (finding, None));
                self.advice_shown_in.insert(row, vec![shown_in]);
                None
            }
            Effect::Store(Record::AdviceAlsoShown { row, shown_in }) => {
                let places = self.advice_shown_in.get_mut(&row).expect("the row exists");
                assert!(!places.contains(&shown_in), "{shown_in:?} twice for row {row}");
                places.push(shown_in);
                None
            }
            Effect::Store(Record::AdviceOutcome { row, outcome, .. }) => {
                if let Some(a) = self.advice.get_mut(&row) {
                    a.1.get_or_insert(outcome.to_owned());
                }
                None
            }
            Effect::StoreReport(r) => {
                self.next_report += 1;
                let report = Logged {
                    id: self.next_report,
                    at: r.at,
                    logged_at: self.now,
                    area: r.area,
                    severity: r.severity,
                    symptoms: r.symptoms.clone(),
                };
                self.reports.push(r);
                Some(Input::ReportStored { from: ReportFrom::Notification, report })
            }
            Effect::StorePop { at } => {
                self.next_pop += 1;
                self.pops.push(at);
                Some(Input::PopStored { from: ReportFrom::Notification, id: self.next_pop, at })
            }
            _ => None,
        }
    }

    /// Lets time pass to `until`, waking the engine wherever it asked to be woken.
    pub fn run_until(&mut self, until: DateTime<Utc>) {
        while let Some(wake) = self.engine.next_wake(self.now).filter(|w| *w <= until) {
            self.now = wake;
            self.input(Input::Tick);
        }
        self.now = until;
        self.input(Input::Tick);
    }

    pub fn advance(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// The newest notification on screen on the current server.
    pub fn top(&self) -> Option<(u32, String)> {
        let name = self.server_name();
        self.screen.iter().filter(|((s, _), _)| *s == name).map(|((_, id), t)| (*id, t.clone())).next_back()
    }

    /// Clicks `key` on notification `id` of the current server, as that server would.
    pub fn click(&mut self, id: u32, key: &str) {
        let server = self.server_name();
        self.input(Input::Action { server: server.clone(), id, key: key.into() });
        if self.closes_after_action && self.screen.remove(&(server.clone(), id)).is_some() {
            self.input(Input::Closed { server, id, reason: 2 });
        }
    }

    pub fn wait_for_reminder(&mut self) -> (u32, String) {
        let deadline = self.now + Duration::days(2);
        while self.top().is_none() {
            let wake = self.engine.next_wake(self.now).expect("something to wait for");
            assert!(wake < deadline, "no reminder within two days");
            self.now = wake;
            self.input(Input::Tick);
        }
        self.top().unwrap()
    }

    pub fn outcome(&self, row: i64) -> Option<&str> {
        self.outcomes.get(&row).map(String::as_str)
    }
}

pub(super) fn monday(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, h, m, 0).unwrap()
}

fn desk(interval: &str) -> Desk {
    Desk::new(settings(&every_day(interval, "")), monday(8, 0))
}

#[test]
fn item1_snooze_brings_the_same_suggestion_back_after_the_snooze_time() {
    let mut d = desk("30m");
    let (id, title) = d.wait_for_reminder();
    assert_eq!(d.now, monday(8, 30));
    d.click(id, "snooze");
    assert_eq!(d.outcome(1), Some("snoozed"));
    assert!(d.top().is_none(), "the snoozed reminder is closed");
    let s = d.engine.status(d.now);
    assert_eq!((s.state, s.snoozed_until), ("snoozed", Some(monday(8, 45))));
    assert_eq!(s.next.as_ref().map(|n| (n.at, n.why)), Some((monday(8, 45), "snoozed")));
    let (_, again) = d.wait_for_reminder();
    assert_eq!(d.now, monday(8, 45), "back after the snooze, not the interval");
    assert_eq!(again, title, "the same suggestion");
    assert_eq!(d.shown_rows[1].1.body, d.shown_rows[0].1.body);
    assert_eq!(d.engine.status(d.now).state, "active");
}

#[test]
fn item2_a_reminder_due_mid_conversation_waits_for_the_answer() {
    let mut d = desk("1m");
    let (id, _) = d.wait_for_reminder();
    d.click(id, "log");
    let (area_id, question) = d.top().unwrap();
    assert_eq!(question, "Where is the discomfort?");
    assert_ne!(area_id, id, "the next step is a new notification");
    // Well past the next reminder's time: the question stays.
    d.advance(Duration::seconds(100));
    assert_eq!(d.top().unwrap().1, "Where is the discomfort?");
    assert_eq!(d.engine.status(d.now).next.map(|n| n.why), Some("conversation"));
    d.click(area_id, "area:neck");
    let (sev, q) = d.top().unwrap();
    assert_eq!(q, "How strong is the neck discomfort?");
    d.click(sev, "severity:5");
    let (sym, _) = d.top().unwrap();
    d.click(sym, "symptom:none");
    let (fun, q) = d.top().unwrap();
    assert_eq!(q, "Does the neck discomfort get in the way?");
    d.click(fun, "function:none");
    assert_eq!(d.reports.len(), 1);
    assert_eq!((d.reports[0].area, d.reports[0].severity), (Area::Neck, 5));
    assert_eq!(d.outcome(1), Some("logged"));
    assert!(d.screen.values().any(|t| t == "Logged"), "{:?}", d.screen);
    // The held reminder comes right after, once.
    assert_eq!(d.shown_rows.len(), 2);
    assert_eq!(d.top().unwrap().1, d.shown_rows[1].1.title);
}

#[test]
fn item12_a_server_that_closes_after_an_action_does_not_end_the_conversation() {
    let mut d = desk("30m");
    d.closes_after_action = true;
    let (id, _) = d.wait_for_reminder();
    d.click(id, "log");
    let (a, q) = d.top().expect("the question stays");
    assert_eq!(q, "Where is the discomfort?");
    d.click(a, "area:shoulders");
    let (s, _) = d.top().unwrap();
    d.click(s, "severity:3");
    let (y, _) = d.top().unwrap();
    d.click(y, "symptom:none");
    let (f, _) = d.top().unwrap();
    d.click(f, "function:none");
    assert_eq!(d.reports.len(), 1);
    assert_eq!(d.outcome(1), Some("logged"));
}

#[test]
fn item3_shutdown_closes_reminders_and_leaves_warning_advice() {
    let mut d = desk("30m");
    d.wait_for_reminder();
    d.input(Input::Shutdown);
    assert!(d.screen.is_empty(), "{:?}", d.screen);
    assert_eq!(d.outcome(1), Some("shutdown"));
}

#[test]
fn item3_a_notification_left_by_a_killed_run_is_closed_by_the_next() {
    let mut d = desk("30m");
    d.wait_for_reminder();
    let state = d.engine.planner.state.clone();
    assert_eq!(state.on_screen.len(), 1, "saved for the next run");
    // A new run on the saved state, with the same server still running.
    let mut next = Engine::new(d.engine.settings().clone(), state, Vec::new(), (1, 0));
    let effects = next.handle(
        Input::ServerUp { name: d.server_name(), label: "dunst".into(), actions: true, dnd: false },
        d.now,
    );
    assert!(effects.contains(&Effect::Close { server: d.server_name(), id: 2 }), "{effects:?}");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Store(Record::Outcome { row: 1, outcome: Outcome::Shutdown, .. })))
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::Show { .. })), "no second reminder at once");
}

#[test]
fn item4_ids_are_per_server_and_a_restart_does_not_mix_them_up() {
    let mut d = desk("30m");
    let (id, _) = d.wait_for_reminder();
    assert_eq!(id, 2);
    d.stop_server();
    assert_eq!(d.outcome(1), Some("lost"));
    d.start_server();
    let (id2, _) = d.wait_for_reminder();
    assert_eq!(id2, 2, "the new server reuses the id");
    // A click from the old server's name (or a forger) is not accepted.
    d.input(Input::Action { server: ":1.10".into(), id: 2, key: "done".into() });
    assert_eq!(d.outcome(2), None);
    d.click(2, "done");
    assert_eq!(d.outcome(2), Some("done"));
}

#[test]
fn item5_reminders_nobody_saw_are_not_counted() {
    let mut d = desk("30m");
    d.stop_server();
    d.advance(Duration::hours(3));
    let s = d.engine.status(d.now);
    assert_eq!(s.shown_today, 0);
    assert!(d.shown_rows.is_empty());
    assert_eq!(s.next.map(|n| n.why), Some("no_server"));
    d.start_server();
    assert_eq!(d.shown_rows.len(), 1, "one reminder when a server is back, not a pile");
    assert_eq!(d.engine.status(d.now).shown_today, 1);
}

#[test]
fn item5_a_lost_reminder_does_not_feed_back_off() {
    let text = every_day("30m", "").replace("max_per_day = 200\n", "max_per_day = 200\nback_off_after = 1\n");
    let mut d = Desk::new(settings(&text), monday(8, 0));
    d.wait_for_reminder();
    d.stop_server();
    d.start_server();
    assert_eq!(d.engine.planner.state.ignored_in_a_row, 0);
    assert_eq!(d.engine.planner.state.back_off_until, None);
}

#[test]
fn item6_reload_replans_with_a_shorter_interval_and_a_raised_cap() {
    let mut d = desk("30m");
    d.advance(Duration::minutes(1));
    assert_eq!(d.engine.status(d.now).next.map(|n| n.at), Some(monday(8, 30)));
    d.input(Input::Settings(Box::new(settings(&every_day("5m", "")))));
    assert_eq!(d.engine.status(d.now).next.map(|n| n.at), Some(monday(8, 5)));

    let capped = every_day("5m", "").replace("max_per_hour = 60", "max_per_hour = 1");
    let mut d = Desk::new(settings(&capped), monday(8, 0));
    let (id, _) = d.wait_for_reminder();
    d.click(id, "done");
    d.advance(Duration::minutes(6));
    assert_eq!(d.engine.status(d.now).next.map(|n| n.why), Some("hourly_cap"));
    d.input(Input::Settings(Box::new(settings(&every_day("5m", "")))));
    assert_eq!(d.shown_rows.len(), 2, "the raised cap lets it out at once");
}

#[test]
fn item7_dnd_is_an_input_and_shows_in_status_at_once() {
    let mut d = desk("30m");
    d.input(Input::Dnd(true));
    assert_eq!(d.engine.status(d.now).state, "dnd");
    d.input(Input::Dnd(false));
    assert_eq!(d.engine.status(d.now).state, "active");
}

#[test]
fn item8_status_while_paused_says_when_it_really_comes() {
    let mut d = desk("30m");
    d.input(Input::Pause(Some(monday(10, 0))));
    let s = d.engine.status(d.now);
    assert_eq!(s.state, "paused");
    let next = s.next.unwrap();
    assert!(next.at >= monday(10, 0), "{next:?}");
    assert_eq!(next.why, "paused");
}

#[test]
fn item9_actions_from_another_sender_change_nothing() {
    let mut d = desk("30m");
    let (id, _) = d.wait_for_reminder();
    d.input(Input::Action { server: ":1.999".into(), id, key: "done".into() });
    d.input(Input::Closed { server: ":1.999".into(), id, reason: 2 });
    assert_eq!(d.outcome(1), None);
    assert!(d.top().is_some());
}

#[test]
fn item10_care_is_assessed_on_reports_and_day_changes_only() {
    let mut d = desk("30m");
    d.advance(Duration::minutes(1));
    let before = d.engine.assessed_on;
    d.input(Input::Dnd(true));
    assert_eq!(d.engine.assessed_on, before);
}

#[test]
fn warning_sign_advice_is_never_held_and_comes_back_after_a_lost_server() {
    let mut d = desk("30m");
    d.input(Input::Pause(Some(monday(18, 0))));
    d.input(Input::Dnd(true));
    let report = Logged {
        id: 1,
        at: d.now,
        logged_at: d.now,
        area: Area::Neck,
        severity: 4,
        symptoms: vec![Symptom::Weakness],
    };
    d.input(Input::ReportStored { from: ReportFrom::Call(1, ShownIn::Dbus), report });
    assert_eq!(d.advice.len(), 1, "shown at once through pause and dnd");
    d.stop_server();
    d.start_server();
    assert_eq!(d.advice.len(), 2, "shown again on the new server");
}

/// A report from a `Log` call, `days` back from now at the same hour.
fn called(d: &mut Desk, id: i64, days: i64, area: Area, severity: u8, shown_in: ShownIn) {
    let at = d.now - Duration::days(days);
    let report = Logged { id, at, logged_at: d.now, area, severity, symptoms: Vec::new() };
    d.input(Input::ReportStored { from: ReportFrom::Call(id as u64, shown_in), report });
}

fn answered(d: &Desk, call: u64) -> Vec<(String, String)> {
    d.effects
        .iter()
        .find_map(|e| match e {
            Effect::Logged { call: c, result: Ok((_, advice)) } if *c == call => Some(advice.clone()),
            _ => None,
        })
        .expect("the call was answered")
}

#[test]
fn issue10_advice_printed_in_the_terminal_is_stored_once_counts_for_the_limits_and_is_answerable() {
    use ShownIn::{Dbus, Notification, Terminal};
    let mut d = desk("1h");
    called(&mut d, 1, 0, Area::Neck, 8, Terminal);
    let printed = answered(&d, 1);
    assert_eq!(printed.len(), 1);
    assert_eq!(printed[0].0, "Go gently today");
    assert_eq!(d.advice.len(), 1, "stored once: {:?}", d.advice);
    assert_eq!(d.advice_shown_in[&1], [Terminal, Notification], "also on screen, to answer it");
    assert!(d.screen.values().any(|s| s == "Go gently today"));
    let (id, _) = d.top().unwrap();
    d.click(id, "later");
    assert_eq!(d.advice[&1].1.as_deref(), Some("later"), "the answer goes to the same row");
    // "Later" brings it back after a day, as a notification of its own.
    d.advance(Duration::days(1));
    assert_eq!(d.advice.len(), 2);
    assert_eq!(d.advice_shown_in[&2], [Notification]);
    // The next report within `repeat_after` has the same reason: neither printed nor shown.
    d.advance(Duration::hours(1));
    called(&mut d, 2, 0, Area::Neck, 6, Terminal);
    assert_eq!(answered(&d, 2), []);
    d.advance(Duration::hours(1));
    assert_eq!(d.advice.len(), 2);
    // Another program's call during do-not-disturb: stored as shown over D-Bus, counts, and is
    // not put on screen later.
    d.input(Input::Dnd(true));
    called(&mut d, 3, 0, Area::Wrists, 7, Dbus);
    assert_eq!(answered(&d, 3).len(), 1);
    d.input(Input::Dnd(false));
    d.advance(Duration::hours(1));
    assert_eq!(d.advice.len(), 3, "{:?}", d.advice);
    assert_eq!(d.advice_shown_in[&3], [Dbus]);
}

#[test]
fn issue10_a_warning_sign_logged_from_the_terminal_is_printed_stored_once_and_notified() {
    let mut d = desk("1h");
    d.input(Input::Dnd(true));
    let report = Logged {
        id: 1,
        at: d.now,
        logged_at: d.now,
        area: Area::Neck,
        severity: 4,
        symptoms: vec![Symptom::Weakness],
    };
    d.input(Input::ReportStored { from: ReportFrom::Call(1, ShownIn::Terminal), report });
    assert_eq!(answered(&d, 1)[0].0, "Please get medical help now");
    assert_eq!(d.advice_shown_in[&1], [ShownIn::Terminal, ShownIn::Notification]);
    assert!(d.screen.values().any(|s| s == "Please get medical help now"), "through do-not-disturb");
    assert_eq!(d.advice.len(), 1);
}

#[test]
fn issue10_f1_the_buttons_ask_whether_it_disturbs_sleep_or_stopped_activities_in_a_fourth_step() {
    // Three buttons at most per step: the function question is a step of its own, asked only
    // when no warning sign was picked (a warning sign's advice should not wait for another click).
    let mut d = desk("30m");
    let (id, _) = d.wait_for_reminder();
    d.click(id, "log");
    let (a, _) = d.top().unwrap();
    d.click(a, "area:neck");
    let (s, _) = d.top().unwrap();
    d.click(s, "severity:5");
    let (y, _) = d.top().unwrap();
    d.click(y, "symptom:none");
    assert!(d.reports.is_empty(), "not stored before the last step");
    let msg = d.effects.iter().rev().find_map(|e| match e {
        Effect::Show { message, .. } => Some(message.clone()),
        _ => None,
    });
    let msg = msg.unwrap();
    let keys: Vec<&str> = msg.actions.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["function:sleep", "function:activities", "function:none"]);
    let labels: Vec<&str> = msg.actions.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(labels, ["Disturbs my sleep", "Stopped my usual activities", "Neither"]);
    let (f, _) = d.top().unwrap();
    d.click(f, "function:sleep");
    assert_eq!(d.reports.len(), 1);
    assert_eq!(d.reports[0].symptoms, [Symptom::Sleep]);
    assert!(d.screen.values().any(|t| t == "Worth booking a visit"), "F1 advice: {:?}", d.screen);

    // A warning sign is stored at once, without the fourth question.
    let mut d = desk("30m");
    let (id, _) = d.wait_for_reminder();
    d.click(id, "log");
    let (a, _) = d.top().unwrap();
    d.click(a, "area:neck");
    let (s, _) = d.top().unwrap();
    d.click(s, "severity:5");
    let (y, _) = d.top().unwrap();
    d.click(y, "symptom:weakness");
    assert_eq!(d.reports.len(), 1);
    assert_eq!(d.reports[0].symptoms, [Symptom::Weakness]);
}

/// Popping (issue 10): a stretch desk where every reminder is a stretch.
fn stretch_desk() -> Desk {
    let config = every_day("30m", "")
        .replace(
            "[reminders.stretch]\nenabled = false",
            "[reminders.stretch]\ninterval = \"30m\"\ncooldown = \"0s\"",
        )
        .replace(
            "[reminders.posture]\ninterval = \"30m\"",
            "[reminders.posture]\nenabled = false\ninterval = \"30m\"",
        );
    Desk::new(settings(&config), monday(8, 0))
}

#[test]
fn issue10_the_self_mobilisation_reminder_can_say_it_popped_within_three_buttons() {
    let mut d = stretch_desk();
    let mut seen = 0;
    let id = loop {
        let (id, title) = d.wait_for_reminder();
        let message = d.effects.iter().rev().find_map(|e| match e {
            Effect::Show { message, .. } => Some(message.clone()),
            _ => None,
        });
        let keys: Vec<String> = message.unwrap().actions.into_iter().map(|(k, _)| k).collect();
        if title.contains("Upper-back extension") {
            assert_eq!(keys, ["default", "popped", "snooze", "log"], "three named buttons, Done by a click");
            break id;
        }
        assert!(!keys.contains(&"popped".to_owned()), "{title}: {keys:?}");
        d.click(id, "done");
        seen += 1;
        assert!(seen < 60, "no self-mobilisation reminder");
    };
    d.click(id, "popped");
    let row = d.shown_rows.last().unwrap().0;
    assert_eq!(d.outcome(row), Some("done"), "it was done");
    assert_eq!(d.pops.len(), 1);
    assert_eq!(d.pops[0], d.now);
}

#[test]
fn issue10_pops_logged_over_the_bus_bring_the_popping_note_once() {
    let mut d = desk("8h");
    let logged = |d: &mut Desk, call: u64| {
        d.next_pop += 1;
        let id = d.next_pop;
        d.input(Input::PopStored { from: ReportFrom::Call(call, ShownIn::Terminal), id, at: d.now });
        d.effects.iter().rev().find_map(|e| match e {
            Effect::Logged { call: c, result: Ok((_, advice)) } if *c == call => Some(advice.clone()),
            _ => None,
        })
    };
    let mut call = 0;
    for day in 0..5 {
        for _ in 0..4 {
            call += 1;
            let advice = logged(&mut d, call).expect("an answer");
            let last = day == 4 && call % 4 == 0;
            assert_eq!(advice.len(), usize::from(last), "day {day}, call {call}: {advice:?}");
            if last {
                assert_eq!(advice[0].0, "About the urge to pop your back");
            }
            d.advance(Duration::minutes(10));
        }
        d.advance(Duration::days(1) - Duration::minutes(40));
    }
    // Once: the next day's pops get no note again.
    for _ in 0..4 {
        call += 1;
        assert_eq!(logged(&mut d, call).unwrap(), Vec::<(String, String)>::new());
    }
    let notes: Vec<_> = d.advice.values().filter(|(f, _)| f.reason == care::Reason::Popping).collect();
    assert_eq!(notes.len(), 1);
}

/// Busy (issue 11): a desk with two kinds due at the same time, to see that nothing piles up.
fn busy_desk() -> Desk {
    let config =
        every_day("30m", "[reminders.eyes]\nenabled = true\ninterval = \"30m\"\ncooldown = \"0s\"\n");
    Desk::new(settings(&config), monday(8, 0))
}

fn busy(d: &mut Desk, cause: Busy, on: bool) {
    d.input(Input::Busy { cause, on });
}

#[test]
fn issue11_busy_holds_routine_reminders_and_one_comes_after_the_grace() {
    let mut d = busy_desk();
    busy(&mut d, Busy::Camera, true);
    let s = d.engine.status(d.now);
    assert_eq!((s.state, s.busy.clone()), ("busy", vec![Busy::Camera]));
    d.advance(Duration::hours(2));
    assert!(d.shown_rows.is_empty(), "held while the camera is in use: {:?}", d.shown_rows);
    let s = d.engine.status(d.now);
    assert_eq!(s.next.as_ref().map(|n| n.why), Some("busy"));
    assert!(d.effects.iter().any(|e| matches!(e, Effect::Held { reason: HoldReason::Busy, .. })));
    assert_eq!(
        (HoldReason::Busy.as_str(), HoldReason::Busy.words()),
        ("busy", "you are in a call, a presentation or full screen")
    );
    // Two causes: it ends with the last.
    busy(&mut d, Busy::Inhibit, true);
    busy(&mut d, Busy::Camera, false);
    d.advance(Duration::minutes(10));
    assert!(d.shown_rows.is_empty());
    assert_eq!(d.engine.status(d.now).busy, [Busy::Inhibit]);
    busy(&mut d, Busy::Inhibit, false);
    let ended = d.now;
    assert_eq!(d.engine.status(d.now).state, "active");
    assert_eq!(
        d.engine.status(d.now).next.map(|n| (n.at, n.why)),
        Some((ended + Duration::minutes(2), "busy"))
    );
    d.advance(Duration::minutes(1));
    assert!(d.shown_rows.is_empty(), "not within the grace");
    d.advance(Duration::minutes(1));
    assert_eq!(d.shown_rows.len(), 1, "one after the grace");
    assert_eq!(d.shown_rows[0].1.at, ended + Duration::minutes(2));
    let (id, _) = d.top().unwrap();
    d.click(id, "done");
    // Not a pile: the other kind that waited starts over instead of following a minute later.
    d.advance(Duration::minutes(20));
    assert_eq!(d.shown_rows.len(), 1, "{:?}", d.shown_rows);
}

#[test]
fn issue11_busy_holds_routine_care_but_never_a_warning_sign() {
    let mut d = desk("8h");
    busy(&mut d, Busy::Fullscreen, true);
    called(&mut d, 1, 0, Area::Neck, 8, ShownIn::Dbus);
    assert_eq!(d.advice.len(), 1, "stored as given to the caller");
    assert!(
        !d.screen.values().any(|s| s == "Go gently today"),
        "routine care is not put on screen while busy"
    );
    let report = Logged {
        id: 2,
        at: d.now,
        logged_at: d.now,
        area: Area::LowerBack,
        severity: 4,
        symptoms: vec![Symptom::Weakness],
    };
    d.input(Input::ReportStored { from: ReportFrom::Call(2, ShownIn::Dbus), report });
    assert!(d.screen.values().any(|s| s == "Please get medical help now"), "warning signs through busy");

    // Routine care that falls due while busy waits for the grace after it.
    let mut d = desk("8h");
    called(&mut d, 1, 0, Area::Neck, 8, ShownIn::Terminal);
    let (id, _) = d.top().unwrap();
    d.click(id, "later");
    busy(&mut d, Busy::Camera, true);
    d.advance(Duration::days(1));
    assert_eq!(d.advice.len(), 1, "held while busy");
    busy(&mut d, Busy::Camera, false);
    d.advance(Duration::minutes(1));
    assert_eq!(d.advice.len(), 1, "held within the grace");
    d.advance(Duration::minutes(1));
    assert_eq!(d.advice.len(), 2, "shown after the grace");
}

#[test]
fn issue11_no_routine_prompt_within_after_unlock() {
    let mut d = desk("30m");
    d.advance(Duration::minutes(25));
    d.input(Input::Away { cause: Away::Locked, since: d.now });
    d.advance(Duration::seconds(30));
    d.input(Input::Back { cause: Away::Locked });
    let back = d.now;
    let s = d.engine.status(d.now);
    assert_eq!(s.next.map(|n| (n.at, n.why)), Some((back + Duration::minutes(10), "after_unlock")));
    d.advance(Duration::minutes(9));
    assert!(d.shown_rows.is_empty(), "not within ten minutes of unlocking");
    d.advance(Duration::minutes(1));
    assert_eq!(d.shown_rows.len(), 1);
    assert_eq!(d.shown_rows[0].1.at, back + Duration::minutes(10));
    // Idle alone is not an unlock.
    let mut d = desk("30m");
    d.advance(Duration::minutes(25));
    d.input(Input::Away { cause: Away::Idle, since: d.now });
    d.advance(Duration::seconds(30));
    d.input(Input::Back { cause: Away::Idle });
    d.run_until(monday(8, 30));
    assert_eq!(d.shown_rows.len(), 1);
}

#[test]
fn issue11_after_busy_and_after_unlock_are_settings() {
    let text = every_day("30m", "[session]\nafter_busy = \"0s\"\nafter_unlock = \"1m\"\n");
    let mut d = Desk::new(settings(&text), monday(8, 0));
    busy(&mut d, Busy::Camera, true);
    d.advance(Duration::hours(1));
    busy(&mut d, Busy::Camera, false);
    assert_eq!(d.shown_rows.len(), 1, "no grace with 0s");
}

#[test]
fn issue11_busy_when_leaves_a_source_out_and_a_reload_applies_at_once() {
    let no_camera = every_day("30m", "[session]\nbusy_when = [\"inhibit\", \"fullscreen\"]\n");
    let mut d = Desk::new(settings(&no_camera), monday(8, 0));
    busy(&mut d, Busy::Camera, true);
    let s = d.engine.status(d.now);
    assert_eq!((s.state, s.busy.clone()), ("active", vec![]), "the camera is not counted");
    d.advance(Duration::minutes(30));
    assert_eq!(d.shown_rows.len(), 1, "reminded through the call, as asked");
    let (id, _) = d.top().unwrap();
    d.click(id, "done");

    // The camera is still open: counting it again holds at once, without waiting for an event.
    d.input(Input::Settings(Box::new(settings(&every_day("30m", "")))));
    assert_eq!(d.engine.status(d.now).busy, [Busy::Camera]);
    d.advance(Duration::hours(1));
    assert_eq!(d.shown_rows.len(), 1, "held while the camera counts");

    // Turned off while busy: the held reminder comes at once, with no grace.
    d.input(Input::Settings(Box::new(settings(&no_camera))));
    assert_eq!(d.engine.status(d.now).state, "active");
    assert_eq!(d.shown_rows.len(), 2);
    assert_eq!(d.shown_rows[1].1.at, d.now);
    // A source left out never ends a busy spell it had no part in.
    let (id, _) = d.top().unwrap();
    d.click(id, "done");
    busy(&mut d, Busy::Inhibit, true);
    busy(&mut d, Busy::Camera, false);
    assert_eq!(d.engine.status(d.now).busy, [Busy::Inhibit]);
}

#[test]
fn issue11_busy_when_names_are_checked() {
    let bad = every_day("30m", "[session]\nbusy_when = [\"camera\", \"meetings\"]\n");
    let source = Source { path: PathBuf::from("test.toml"), text: bad };
    let e = config::from_sources(Some(source), None, |_| Ok(None)).unwrap_err().to_string();
    assert!(e.contains("unknown source \"meetings\"") && e.contains("\"fullscreen\""), "{e}");
    let none = every_day("30m", "[session]\nbusy_when = []\n");
    let mut d = Desk::new(settings(&none), monday(8, 0));
    for cause in Busy::ALL {
        busy(&mut d, cause, true);
    }
    assert_eq!(d.engine.status(d.now).state, "active");
}

#[test]
fn toggle_pauses_for_the_configured_time_and_resumes_when_paused() {
    let mut d = desk("30m");
    let pause = d.engine.settings().toggle_pause;
    d.input(Input::Toggle);
    assert_eq!(d.engine.status(d.now).paused_until, Some(d.now + pause));
    d.advance(Duration::minutes(1));
    d.input(Input::Toggle);
    let s = d.engine.status(d.now);
    assert_eq!((s.state, s.paused_until), ("active", None));
}
