//! Simulated days and weeks through the planner, with the real default config and catalogue.

use super::*;
use crate::config::{self, Source};
use crate::core::zone::Fold;
use crate::core::{HoldReason, Kind};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use std::path::PathBuf;

pub(super) fn planner(user_toml: &str) -> Planner {
    let source = Source { path: PathBuf::from("test.toml"), text: user_toml.to_owned() };
    let s = config::from_sources(Some(source), None, |_| Ok(None)).unwrap_or_else(|e| panic!("{e}"));
    Planner::new(s.rules, s.catalog, PlannerState::default())
}

pub(super) fn local(p: &Planner, s: &str) -> DateTime<Utc> {
    p.rules.zone.instant(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(), Fold::Earlier)
}

fn run(p: &mut Planner, from: &str, days: i64) -> Vec<Event> {
    let start = local(p, from);
    simulate(p, start, Duration::days(days))
}

pub(super) fn fired(p: &Planner, events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Fired(r) => Some(format!("{} {}", p.rules.zone.format(r.at, "%m-%d %H:%M"), r.kind)),
            _ => None,
        })
        .collect()
}

/// (at, kind, reason, until, dropped)
type HeldLine = (DateTime<Utc>, Kind, HoldReason, DateTime<Utc>, bool);

fn held(events: &[Event]) -> Vec<HeldLine> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Held { at, kind, reason, until, dropped } => Some((*at, *kind, *reason, *until, *dropped)),
            _ => None,
        })
        .collect()
}

pub(super) const BERLIN: &str = "timezone = \"Europe/Berlin\"\n";

#[test]
fn a_default_day_alternates_kinds_and_bigger_breaks_cover_smaller_ones() {
    let mut p = planner(BERLIN);
    let events = run(&mut p, "2026-06-01 00:00", 1); // a Monday
    assert_eq!(
        fired(&p, &events),
        [
            "06-01 09:30 posture",
            "06-01 10:00 stretch",
            "06-01 10:30 movement",
            "06-01 11:00 posture",
            "06-01 11:30 stretch",
            "06-01 12:00 movement",
            "06-01 14:00 posture",
            "06-01 14:30 stretch",
            "06-01 15:00 movement",
            "06-01 15:30 posture",
            "06-01 16:00 stretch",
            "06-01 16:30 movement",
            "06-01 17:00 posture",
        ]
    );
    assert!(held(&events).is_empty());
}

#[test]
fn reminders_keep_to_wall_time_across_dst_changes_in_two_zones() {
    for (zone, spring, autumn) in
        [("Europe/Berlin", "2026-03-29", "2026-10-25"), ("America/New_York", "2026-03-08", "2026-11-01")]
    {
        for change in [spring, autumn] {
            // Work every day 09:00-17:00; simulate the day before, of and after the change.
            let mut p = planner(&format!(
                "timezone = \"{zone}\"\n[hours]\nmon = [\"09:00-17:00\"]\ntue = [\"09:00-17:00\"]\nwed = [\"09:00-17:00\"]\nthu = [\"09:00-17:00\"]\nfri = [\"09:00-17:00\"]\nsat = [\"09:00-17:00\"]\nsun = [\"09:00-17:00\"]\n"
            ));
            let day = NaiveDate::parse_from_str(change, "%Y-%m-%d").unwrap();
            let from = format!("{} 00:00", day.pred_opt().unwrap());
            let events = run(&mut p, &from, 3);
            let by_day: Vec<Vec<String>> = (0..3)
                .map(|d| {
                    let date = day.pred_opt().unwrap() + Duration::days(d);
                    fired(&p, &events)
                        .into_iter()
                        .filter(|l| l.starts_with(&date.format("%m-%d").to_string()))
                        .map(|l| l[6..].to_owned())
                        .collect()
                })
                .collect();
            assert_eq!(by_day[0], by_day[1], "{zone} {change}: the change day differs from the day before");
            assert_eq!(by_day[1], by_day[2], "{zone} {change}");
            assert_eq!(by_day[1].first().map(String::as_str), Some("09:30 posture"));
            assert_eq!(by_day[1].last().map(String::as_str), Some("16:30 movement"));
        }
    }
}

#[test]
fn a_night_shift_fires_on_both_sides_of_midnight_and_nowhere_else() {
    let mut p = planner(&format!(
        "{BERLIN}[hours]\nmon = [\"22:00-02:00\"]\ntue = []\nwed = []\nthu = []\nfri = []\n[limits]\nquiet_hours = []\n"
    ));
    let events = run(&mut p, "2026-06-01 00:00", 3);
    assert_eq!(
        fired(&p, &events),
        [
            "06-01 22:30 posture",
            "06-01 23:00 stretch",
            "06-01 23:30 movement",
            "06-02 00:00 posture",
            "06-02 00:30 stretch",
            "06-02 01:00 movement",
            "06-02 01:30 posture",
        ]
    );
}

#[test]
fn a_leap_day_is_an_ordinary_tuesday() {
    let mut p = planner(&format!(
        "{BERLIN}[hours]\nmon = []\ntue = [\"09:00-10:00\"]\nwed = []\nthu = []\nfri = []\n"
    ));
    let events = run(&mut p, "2028-02-27 00:00", 4);
    assert_eq!(fired(&p, &events), ["02-29 09:30 posture"]);
}

#[test]
fn two_kinds_due_together_fire_one_and_hold_the_other_for_the_minimum_gap() {
    let mut p = planner(&format!(
        "{BERLIN}[reminders.eyes]\nenabled = true\ninterval = \"1h\"\n[reminders.posture]\nenabled = false\n[reminders.movement]\nenabled = false\n"
    ));
    let events = run(&mut p, "2026-06-01 09:00", 1);
    assert_eq!(fired(&p, &events)[..2], ["06-01 10:00 stretch", "06-01 10:15 eyes"]);
    let h = held(&events);
    assert_eq!(
        h[0],
        (local(&p, "2026-06-01 10:00"), Kind::Eyes, HoldReason::MinGap, local(&p, "2026-06-01 10:15"), false)
    );
}

#[test]
fn the_hourly_cap_holds_reminders_and_says_until_when() {
    let mut p = planner(&format!(
        "{BERLIN}[reminders.posture]\ninterval = \"10m\"\ncooldown = \"0s\"\n[reminders.stretch]\nenabled = false\n[reminders.movement]\nenabled = false\n[limits]\nmin_gap = \"5m\"\nmax_per_hour = 2\n"
    ));
    let events = run(&mut p, "2026-06-01 09:00", 1);
    let f = fired(&p, &events);
    assert_eq!(f[..3], ["06-01 09:10 posture", "06-01 09:20 posture", "06-01 10:10 posture"]);
    assert_eq!(
        held(&events)[0],
        (
            local(&p, "2026-06-01 09:30"),
            Kind::Posture,
            HoldReason::HourlyCap,
            local(&p, "2026-06-01 10:10"),
            false
        )
    );
}

#[test]
fn the_daily_cap_skips_the_rest_of_the_day_and_starts_over_the_next() {
    let mut p = planner(&format!("{BERLIN}[limits]\nmax_per_day = 4\n"));
    let events = run(&mut p, "2026-06-01 00:00", 2);
    let f = fired(&p, &events);
    assert_eq!(f.len(), 8, "{f:?}");
    assert_eq!(f[4], "06-02 09:30 posture");
    // Each kind due after the cap is reported once per working period, skipped (not queued)
    // because the cap lifts only at the next day's start.
    let next_day = local(&p, "2026-06-02 04:00");
    let h: Vec<_> = held(&events).into_iter().filter(|x| x.0 < next_day).collect();
    let morning: Vec<(String, Kind)> = h
        .iter()
        .filter(|x| x.0 < local(&p, "2026-06-01 13:00"))
        .map(|x| (p.rules.zone.format(x.0, "%H:%M"), x.1))
        .collect();
    let expected = [("11:30", Kind::Stretch), ("11:30", Kind::Posture), ("12:00", Kind::Movement)];
    assert_eq!(morning, expected.map(|(t, k)| (t.to_owned(), k)));
    assert_eq!(h.len(), 6, "each kind once more in the afternoon period: {h:?}");
    assert!(h.iter().all(|x| x.3 == next_day && x.4));
    assert!(h.iter().all(|x| x.2 == HoldReason::DailyCap && x.0 < next_day));
}

#[test]
fn quiet_hours_inside_working_hours_hold_and_are_reported_once() {
    let mut p = planner(&format!("{BERLIN}[limits]\nquiet_hours = [\"10:20-11:10\"]\n"));
    let events = run(&mut p, "2026-06-01 00:00", 1);
    assert_eq!(
        fired(&p, &events)[..4],
        ["06-01 09:30 posture", "06-01 10:00 stretch", "06-01 11:10 movement", "06-01 11:40 posture"]
    );
    let quiet: Vec<_> = held(&events).into_iter().filter(|h| h.2 == HoldReason::QuietHours).collect();
    let kinds: Vec<Kind> = quiet.iter().map(|h| h.1).collect();
    assert_eq!(kinds, [Kind::Movement, Kind::Posture, Kind::Stretch], "each kind once: {quiet:?}");
    assert!(quiet.iter().all(|h| h.3 == local(&p, "2026-06-01 11:10")));
}

#[test]
fn self_mobilisation_is_suggested_at_most_twice_a_day_three_hours_apart() {
    let mut p = planner(&format!(
        "{BERLIN}[reminders.stretch]\ninterval = \"20m\"\ncooldown = \"0s\"\n[limits]\nmax_per_hour = 6\nmax_per_day = 48\nmin_gap = \"1m\"\nno_repeat_within = \"0s\"\n"
    ));
    let events = run(&mut p, "2026-06-01 00:00", 14);
    let pops: Vec<DateTime<Utc>> = events
        .iter()
        .filter_map(|e| match e {
            Event::Fired(r) if r.entry.as_deref() == Some("seated-upper-back-extension") => Some(r.at),
            _ => None,
        })
        .collect();
    assert!(pops.len() >= 10, "it is still suggested: {}", pops.len());
    for w in pops.windows(2) {
        assert!(w[1] - w[0] >= Duration::hours(3));
    }
    for w in pops.windows(3) {
        assert_ne!(p.rules.zone.date(w[0]), p.rules.zone.date(w[2]), "three on one day");
    }
}

#[test]
fn snooze_pause_and_resume_move_the_timers() {
    let mut p = planner(BERLIN);
    let nine = local(&p, "2026-06-01 09:00");
    p.step(nine);
    p.snooze_all(local(&p, "2026-06-01 10:40"));
    let events = p.step(local(&p, "2026-06-01 09:30"));
    assert!(
        matches!(events[0], Event::Held { reason: HoldReason::Snoozed, until, .. } if until == local(&p, "2026-06-01 10:40")),
        "{events:?}"
    );
    p.pause(local(&p, "2026-06-01 12:00"));
    let events = p.step(local(&p, "2026-06-01 10:40"));
    assert!(matches!(events[0], Event::Held { reason: HoldReason::Paused, .. }), "{events:?}");
    p.resume(local(&p, "2026-06-01 11:00"));
    assert_eq!(p.next_wake(local(&p, "2026-06-01 11:00")), Some(local(&p, "2026-06-01 11:30")));
}

#[test]
fn do_not_disturb_holds_and_restarts_the_timer_instead_of_queueing() {
    let mut p = planner(&format!(
        "{BERLIN}[reminders.stretch]\nenabled = false\n[reminders.movement]\nenabled = false\n"
    ));
    p.step(local(&p, "2026-06-01 09:00"));
    let half_past = local(&p, "2026-06-01 09:30");
    assert!(p.has_due(half_past));
    let events = p.step_with(half_past, Conditions { dnd: true, ..Default::default() });
    let until = local(&p, "2026-06-01 10:00");
    assert_eq!(
        events,
        [Event::Held { at: half_past, kind: Kind::Posture, reason: HoldReason::Dnd, until, dropped: false }]
    );
    assert_eq!(
        p.next_reminder(),
        Some(NextReminder { at: until, kind: Kind::Posture, held: Some(HoldReason::Dnd) })
    );
    // When do-not-disturb is over, the next one comes at its time: one reminder, no backlog.
    let events = p.step_with(until, Conditions::default());
    assert!(matches!(&events[..], [Event::Fired(r)] if r.kind == Kind::Posture), "{events:?}");
}

#[test]
fn waking_from_a_long_suspend_gives_one_catch_up_reminder_not_a_pile() {
    let mut p = planner(BERLIN);
    p.step(local(&p, "2026-06-01 09:00"));
    // Asleep from 09:05 to 11:50: every kind's deadline passed meanwhile.
    let woke = local(&p, "2026-06-01 11:50");
    let events = p.step(woke);
    let fired: Vec<&Event> = events.iter().filter(|e| matches!(e, Event::Fired(_))).collect();
    assert_eq!(fired.len(), 1, "{events:?}");
    assert!(
        matches!(fired[0], Event::Fired(r) if r.kind == Kind::Movement),
        "the biggest break covers the rest"
    );
    assert_eq!(p.next_wake(woke), Some(local(&p, "2026-06-01 12:20")), "then the usual rhythm");
}

#[test]
fn sleeping_through_the_night_starts_a_fresh_day_with_a_fresh_budget() {
    let mut p = planner(&format!("{BERLIN}[limits]\nmax_per_day = 3\n"));
    run(&mut p, "2026-06-01 08:00", 1);
    assert_eq!(p.state.limits.shown_today(&p.rules.limits, &p.rules.zone, local(&p, "2026-06-01 17:00")), 3);
    // Suspended at 17:00, resumed the next morning at 10:10.
    let next_morning = local(&p, "2026-06-02 10:10");
    let events = p.step(next_morning);
    assert!(events.is_empty(), "a new period starts its timers afresh: {events:?}");
    assert_eq!(p.state.limits.shown_today(&p.rules.limits, &p.rules.zone, next_morning), 0);
    assert_eq!(p.next_wake(next_morning), Some(local(&p, "2026-06-02 10:40")));
}

#[test]
fn a_clock_set_back_brings_far_timers_in() {
    let mut p = planner(BERLIN);
    p.step(local(&p, "2026-06-01 11:00"));
    let earlier = local(&p, "2026-06-01 09:10");
    p.step(earlier);
    p.clock_changed(earlier);
    assert_eq!(p.next_wake(earlier), Some(local(&p, "2026-06-01 09:40")));
}

#[test]
fn ignoring_reminders_backs_off_for_the_rest_of_the_day() {
    let mut p = planner(&format!(
        "{BERLIN}[reminders.stretch]\nenabled = false\n[reminders.movement]\nenabled = false\n"
    ));
    let nine = local(&p, "2026-06-01 09:00");
    for _ in 0..3 {
        p.outcome(Outcome::Dismissed, nine);
    }
    assert_eq!(p.interval(Kind::Posture, nine), Duration::minutes(45));
    let next_day = local(&p, "2026-06-02 09:00");
    p.step(next_day);
    assert_eq!(p.interval(Kind::Posture, next_day), Duration::minutes(30));
}

#[test]
fn state_saved_mid_day_continues_exactly_as_if_never_stopped() {
    let mut straight = planner(BERLIN);
    let all = run(&mut straight, "2026-06-01 00:00", 2);

    let mut first = planner(BERLIN);
    let mut events = run(&mut first, "2026-06-01 00:00", 1);
    let saved = serde_json::to_string(&first.state).unwrap();
    let mut second = planner(BERLIN);
    second.state = serde_json::from_str(&saved).unwrap();
    events.extend(run(&mut second, "2026-06-02 00:00", 1));
    assert_eq!(fired(&straight, &all), fired(&second, &events));
}

#[test]
fn a_clock_set_back_a_day_neither_panics_nor_floods() {
    let mut p = planner(BERLIN);
    run(&mut p, "2026-06-02 00:00", 1);
    let events = run(&mut p, "2026-06-01 09:00", 1);
    let f = fired(&p, &events);
    assert!(!f.is_empty() && f.len() <= 16, "{f:?}");
}

mod property {
    use super::*;
    use crate::core::schedule::day_began;
    use proptest::prelude::*;

    const ZONES: [&str; 5] = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"];

    fn hhmm(m: u32) -> String {
        format!("{:02}:{:02}", m / 60, m % 60)
    }

    prop_compose! {
        /// Up to two non-overlapping ranges inside one day, or none.
        fn day()(cuts in proptest::collection::btree_set(0u32..96, 0..=4)) -> Vec<String> {
            let cuts: Vec<u32> = cuts.into_iter().map(|c| c * 15).collect();
            cuts.chunks_exact(2).map(|c| format!("\"{}-{}\"", hhmm(c[0]), hhmm(c[1]))).collect()
        }
    }

    prop_compose! {
        fn config()(
            zone in 0usize..ZONES.len(),
            days in proptest::array::uniform7(day()),
            intervals in proptest::array::uniform4(1u32..180),
            cooldowns in proptest::array::uniform4(0u32..60),
            enabled in proptest::array::uniform4(any::<bool>()),
            per_hour in 1u32..6,
            per_day in 1u32..30,
            gap in 1u32..60,
            quiet in (0u32..96, 1u32..40),
        ) -> String {
            let mut t = format!("timezone = \"{}\"\n[hours]\n", ZONES[zone]);
            for (name, ranges) in crate::core::schedule::WEEKDAYS.iter().zip(days) {
                t += &format!("{name} = [{}]\n", ranges.join(", "));
            }
            for (i, kind) in ["posture", "eyes", "stretch", "movement"].iter().enumerate() {
                t += &format!("[reminders.{kind}]\nenabled = {}\ninterval = \"{}m\"\ncooldown = \"{}m\"\n", enabled[i], intervals[i], cooldowns[i]);
            }
            let q = (quiet.0 * 15, (quiet.0 * 15 + quiet.1 * 15) % 1440);
            t += &format!("[limits]\nmax_per_hour = {per_hour}\nmax_per_day = {per_day}\nmin_gap = \"{gap}m\"\nquiet_hours = [\"{}-{}\"]\nno_repeat_within = \"0s\"\n", hhmm(q.0), hhmm(q.1));
            t
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn no_limit_is_ever_exceeded_over_30_random_days(toml in config(), start_day in 0i64..1100, start_minute in 0i64..1440) {
            let mut p = planner(&toml);
            let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::days(start_day) + Duration::minutes(start_minute);
            let events = simulate(&mut p, from, Duration::days(30));
            let r = &p.rules;
            let l = &r.limits;
            let shown: Vec<&Reminder> = events.iter().filter_map(|e| if let Event::Fired(x) = e { Some(x) } else { None }).collect();
            for (i, s) in shown.iter().enumerate() {
                prop_assert!(r.hours.period_at(&r.zone, s.at).is_some(), "outside working hours: {:?}", s.at);
                prop_assert!(l.quiet_hours.period_at(&r.zone, s.at).is_none(), "in quiet hours: {:?}", s.at);
                if i > 0 {
                    prop_assert!(s.at - shown[i - 1].at >= l.min_gap, "gap below the minimum at {:?}", s.at);
                }
                let in_hour = shown.iter().filter(|o| o.at <= s.at && s.at - o.at < Duration::hours(1)).count() as u32;
                prop_assert!(in_hour <= l.max_per_hour, "{in_hour} in the hour up to {:?}", s.at);
                let began = day_began(&r.zone, l.day_starts, s.at);
                let today = shown.iter().filter(|o| o.at >= began && o.at <= s.at).count() as u32;
                prop_assert!(today <= l.max_per_day, "{today} on the day of {:?}", s.at);
                if let Some(prev) = shown[..i].iter().rev().find(|o| o.kind == s.kind) {
                    prop_assert!(s.at - prev.at >= l.cooldown[&s.kind], "cooldown of {} broken at {:?}", s.kind, s.at);
                }
            }
            for e in &events {
                if let Event::Held { at, until, .. } = e {
                    prop_assert!(until > at);
                }
            }
        }
    }
}
