//! Time away from the machine (locked, asleep, idle) through the planner: held reminders wait
//! without piling up, and an absence long enough counts as a break.

use super::tests::{BERLIN, fired, local, planner};
use super::*;
use crate::core::{HoldReason, Kind};

const AWAY: Conditions = Conditions { dnd: false, away: true, busy: false, no_server: false, occupied: None };
/// `step_with`, with every reminder it fires delivered.
fn deliver(p: &mut Planner, now: DateTime<Utc>, c: Conditions) -> Vec<Event> {
    let events = p.step_with(now, c);
    for e in &events {
        if let Event::Fired(r) = e {
            p.delivered(r, now);
        }
    }
    events
}

const HERE: Conditions =
    Conditions { dnd: false, away: false, busy: false, no_server: false, occupied: None };

/// Posture every 30m only; break lengths from the default config (posture 1m).
fn posture_only() -> Planner {
    planner(&format!("{BERLIN}[reminders.stretch]\nenabled = false\n[reminders.movement]\nenabled = false\n"))
}

#[test]
fn a_long_lock_is_a_natural_break_and_restarts_the_timer_from_the_return() {
    let mut p = planner(BERLIN);
    p.step(local(&p, "2026-06-01 09:00"));
    // Locked 09:20 to 09:40: the posture reminder due at 09:30 is held, not shown.
    let at = local(&p, "2026-06-01 09:30");
    let events = deliver(&mut p, at, AWAY);
    assert!(fired(&p, &events).is_empty(), "{events:?}");
    assert!(matches!(events[..], [Event::Held { kind: Kind::Posture, reason: HoldReason::Away, .. }]));
    let back = local(&p, "2026-06-01 09:40");
    let rested = p.away(local(&p, "2026-06-01 09:20"), back);
    assert_eq!(rested, [Kind::Movement, Kind::Stretch, Kind::Posture], "20 min covers every kind's break");
    let events = deliver(&mut p, back, HERE);
    assert!(events.is_empty(), "nothing on return: {events:?}");
    assert_eq!(
        p.next_reminder().map(|n| (n.at, n.kind, n.held)),
        Some((local(&p, "2026-06-01 10:10"), Kind::Posture, None))
    );
}

#[test]
fn a_short_absence_is_no_break_and_the_reminder_due_meanwhile_comes_once_on_return() {
    let mut p = posture_only();
    p.step(local(&p, "2026-06-01 09:00"));
    // Idle from 09:29:30 to 09:30:20: 50 s, under posture's 1m break.
    let during = local(&p, "2026-06-01 09:30");
    assert!(p.has_due(during));
    let held = deliver(&mut p, during, AWAY);
    assert_eq!(held.len(), 1, "reported once: {held:?}");
    assert!(deliver(&mut p, during + Duration::seconds(10), AWAY).is_empty(), "and not again");
    assert_eq!(p.next_wake(during), Some(p.state.period.unwrap().end), "no wake-up loop while away");
    let back = during + Duration::seconds(20);
    assert!(p.away(during - Duration::seconds(30), back).is_empty());
    let events = deliver(&mut p, back, HERE);
    assert_eq!(fired(&p, &events), ["06-01 09:30 posture"]);
    assert!(deliver(&mut p, back, HERE).is_empty(), "once, not a backlog");
    assert_eq!(p.next_wake(back), Some(back + Duration::minutes(30)));
}

#[test]
fn a_reminder_due_while_away_fires_once_on_return_even_when_several_fell_due() {
    let mut p = planner(&format!(
        "{BERLIN}[session.break_length]\nposture = \"2h\"\nstretch = \"2h\"\nmovement = \"2h\"\n"
    ));
    p.step(local(&p, "2026-06-01 09:00"));
    // Away (with breaks set too long to count) through every kind's deadline.
    for t in ["09:30", "10:00", "10:30"] {
        let at = local(&p, &format!("2026-06-01 {t}"));
        deliver(&mut p, at, AWAY);
    }
    let back = local(&p, "2026-06-01 10:45");
    assert!(p.away(local(&p, "2026-06-01 09:20"), back).is_empty());
    let events = deliver(&mut p, back, HERE);
    assert_eq!(fired(&p, &events), ["06-01 10:45 movement"], "the biggest covers the rest: {events:?}");
}

#[test]
fn only_the_kinds_whose_break_fits_are_reset() {
    let mut p = planner(BERLIN);
    p.step(local(&p, "2026-06-01 09:00"));
    let from = local(&p, "2026-06-01 09:10");
    let back = from + Duration::minutes(3);
    assert_eq!(p.away(from, back), [Kind::Stretch, Kind::Posture], "3 min: not movement's 5m");
    assert_eq!(p.state.due[&Kind::Movement], local(&p, "2026-06-01 10:30"), "movement keeps its time");
    assert_eq!(p.state.due[&Kind::Stretch], back + Duration::hours(1));
}

#[test]
fn asleep_across_midnight_starts_a_fresh_day_with_a_fresh_budget() {
    let mut p = planner(&format!("{BERLIN}[limits]\nmax_per_day = 3\n"));
    let eight = local(&p, "2026-06-01 08:00");
    simulate(&mut p, eight, Duration::hours(9));
    let evening = local(&p, "2026-06-01 17:00");
    assert_eq!(p.state.limits.shown_today(&p.rules.limits, &p.rules.zone, evening), 3);
    // Asleep from 17:00 until 10:10 the next morning; the wake-up (and any timer) finds it away.
    deliver(&mut p, evening, AWAY);
    let morning = local(&p, "2026-06-02 10:10");
    p.away(evening, morning);
    p.clock_changed(morning);
    let events = deliver(&mut p, morning, HERE);
    assert!(events.is_empty(), "a new period starts its timers afresh: {events:?}");
    assert_eq!(p.state.limits.shown_today(&p.rules.limits, &p.rules.zone, morning), 0);
    assert_eq!(p.next_wake(morning), Some(local(&p, "2026-06-02 10:40")));
}
