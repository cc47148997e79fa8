//! The reminder state machine: given the rules, what it remembers and `now`, which reminder
//! fires, which is held back and why, and when to look again. The daemon and `postured plan`
//! drive the same code; neither the planner nor anything it calls reads a clock.

use super::care::{Adapt, CareState};
use super::catalog::Catalog;
use super::kind::Kind;
use super::limits::{self, HoldReason, LimitRules, LimitState};
use super::schedule::{Period, WeekHours, next_day_begins};
use super::zone::Zone;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything the planner needs to know from the config.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub zone: Zone,
    pub hours: WeekHours,
    /// The enabled reminder kinds and their intervals.
    pub intervals: BTreeMap<Kind, Duration>,
    pub limits: LimitRules,
    /// After this many ignored reminders in a row the intervals stretch by half for the rest
    /// of the day (0 turns it off).
    pub back_off_after: u32,
    /// How long an absence (locked, asleep, idle) must last to count as a break of each kind.
    /// A kind missing here never gets a natural break.
    pub breaks: BTreeMap<Kind, Duration>,
}

/// What the user did with a reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Done,
    Snoozed,
    Skipped,
    Dismissed,
    Expired,
    /// The user logged discomfort from the reminder.
    Logged,
    /// The user started logging from it but left the questions unanswered.
    Abandoned,
    /// Its notification server went away with it, unanswered.
    Lost,
    /// postured stopped and closed it.
    Shutdown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Snoozed => "snoozed",
            Outcome::Skipped => "skipped",
            Outcome::Dismissed => "dismissed",
            Outcome::Expired => "expired",
            Outcome::Logged => "logged",
            Outcome::Abandoned => "abandoned",
            Outcome::Lost => "lost",
            Outcome::Shutdown => "shutdown",
        }
    }

    fn ignored(self) -> bool {
        matches!(self, Outcome::Skipped | Outcome::Dismissed | Outcome::Expired)
    }
}

/// A reminder to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reminder {
    pub at: DateTime<Utc>,
    pub kind: Kind,
    pub entry: Option<String>,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Fired(Reminder),
    /// A due reminder the limits held back. `dropped` means the hold outlasts the working
    /// period, so this occurrence is skipped rather than queued.
    Held {
        at: DateTime<Utc>,
        kind: Kind,
        reason: HoldReason,
        until: DateTime<Utc>,
        dropped: bool,
    },
}

/// What the desktop says right now, read by the daemon when something is due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Conditions {
    /// Do-not-disturb: a due reminder is held and its timer restarts, so nothing piles up for
    /// the moment it ends.
    pub dnd: bool,
    /// The user is away (locked, asleep, idle): a due reminder waits, unchanged, and comes
    /// once when they are back (see `Planner::away` for the time away counting as a break).
    pub away: bool,
    /// A question of ours is open on screen: a due reminder waits for it to end, unchanged.
    pub busy: bool,
    /// No notification server can take a reminder now: it waits, uncounted, for one.
    pub no_server: bool,
    /// The user is busy (a call, a presentation, full screen) or just back from it or from
    /// unlocking (`HoldReason::Busy` or `AfterUnlock`): a due reminder waits, unchanged.
    pub occupied: Option<HoldReason>,
}

impl Conditions {
    /// The hold that keeps a due reminder where it is, to come once when it lifts.
    fn waiting(self) -> Option<HoldReason> {
        if self.away {
            Some(HoldReason::Away)
        } else if self.no_server {
            Some(HoldReason::NoServer)
        } else if self.occupied.is_some() {
            self.occupied
        } else if self.busy {
            Some(HoldReason::Conversation)
        } else {
            None
        }
    }
}

/// The next reminder and why it is then, for `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct NextReminder {
    pub at: DateTime<Utc>,
    pub kind: Kind,
    /// The hold that moved it, if one did; otherwise it is simply its interval.
    pub held: Option<HoldReason>,
}

/// What the planner remembers between steps; plain data, persisted by the daemon.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlannerState {
    /// The working period the dues below belong to.
    pub period: Option<Period>,
    pub due: BTreeMap<Kind, DateTime<Utc>>,
    /// The last hold reported per kind, so a hold is reported once, not at every step.
    pub held: BTreeMap<Kind, HoldReason>,
    pub limits: LimitState,
    pub ignored_in_a_row: u32,
    pub back_off_until: Option<DateTime<Utc>>,
    /// Care advice given and the user's answers to it.
    #[serde(default)]
    pub care: CareState,
    /// When each kind's timer last started (a reminder shown, a natural break, a resume), so a
    /// reload can plan again from history with new intervals.
    #[serde(default)]
    pub since: BTreeMap<Kind, DateTime<Utc>>,
    /// A reminder the user snoozed: the same suggestion comes back when it is due again.
    #[serde(default)]
    pub snoozed: Option<Reminder>,
    /// Our notifications on screen, so the next run can close them if this one is killed.
    #[serde(default)]
    pub on_screen: Vec<super::engine::Leftover>,
}

#[derive(Debug, Clone)]
pub struct Planner {
    pub rules: Rules,
    pub catalog: Catalog,
    pub state: PlannerState,
    /// What recent discomfort reports change about suggestions; the caller keeps it current.
    pub adapt: Adapt,
    /// The stored working period was found under the rules in force, so while `now` is inside
    /// it there is no need to work it out again from the wall clock at every step.
    period_current: bool,
}

impl Planner {
    pub fn new(rules: Rules, catalog: Catalog, state: PlannerState) -> Self {
        Planner { rules, catalog, state, adapt: Adapt::default(), period_current: false }
    }

    /// The interval of `kind` at `now`, stretched while back-off is on.
    pub fn interval(&self, kind: Kind, now: DateTime<Utc>) -> Duration {
        let base = self.rules.intervals.get(&kind).copied().unwrap_or(Duration::hours(1));
        if self.state.back_off_until.is_some_and(|until| now < until) {
            (base * 3 / 2).min(base.max(Duration::minutes(60)))
        } else {
            base
        }
    }

    /// Advances to `now` as `step_with` does, and takes every reminder it fires as delivered:
    /// a driver whose notifications always arrive (`plan`'s old loop, tests).
    pub fn step(&mut self, now: DateTime<Utc>) -> Vec<Event> {
        let events = self.step_with(now, Conditions::default());
        for e in &events {
            if let Event::Fired(r) = e {
                self.delivered(r, now);
            }
        }
        events
    }

    /// Whether some reminder is due at `now`, so the daemon knows when to read `Conditions`.
    pub fn has_due(&self, now: DateTime<Utc>) -> bool {
        self.state.due.values().any(|at| *at <= now)
    }

    /// Advances to `now`: enters or leaves working periods, decides on at most one due reminder
    /// (`Fired`: show it, then call `delivered` once it is on screen; nothing is counted before)
    /// and reports those held back. Call it at every instant `next_wake` returned, or sooner.
    pub fn step_with(&mut self, now: DateTime<Utc>, conditions: Conditions) -> Vec<Event> {
        self.state.limits.prune(now);
        if self.state.back_off_until.is_some_and(|until| now >= until) {
            self.state.back_off_until = None;
            self.state.ignored_in_a_row = 0;
        }
        let period = match self.state.period {
            Some(p) if self.period_current && p.contains(now) => Some(p),
            _ => self.rules.hours.period_at(&self.rules.zone, now),
        };
        self.period_current = true;
        if period != self.state.period {
            // A new working period starts every timer afresh; nothing carries over the night.
            self.state.period = period;
            self.state.due.clear();
            self.state.held.clear();
        }
        let Some(period) = period else { return Vec::new() };
        self.sync_kinds(now);
        if !self.has_due(now) {
            return Vec::new();
        }

        let mut due: Vec<Kind> =
            self.state.due.iter().filter(|(_, at)| **at <= now).map(|(k, _)| *k).collect();
        // The biggest break first: it may cover the smaller ones due at the same time.
        due.sort_by_key(|k| std::cmp::Reverse(k.rank()));

        let mut events = Vec::new();
        // After deciding on one, the rest are checked as if it were already shown: it is
        // counted only once delivered, but what it covers and the gap it sets apply now.
        // The limits as if it were shown are made only for a kind it does not cover.
        let mut decided: Option<Kind> = None;
        let mut tentative: Option<LimitState> = None;
        for kind in due {
            if self.state.due.get(&kind).is_none_or(|at| *at > now) {
                continue;
            }
            if decided.is_some_and(|fired| fired == kind || fired.covers(kind)) {
                continue;
            }
            if let Some(reason) = conditions.waiting() {
                // Held where it is: due the moment the hold lifts, and only once.
                if self.state.held.insert(kind, reason) != Some(reason) {
                    events.push(Event::Held { at: now, kind, reason, until: now, dropped: false });
                }
                continue;
            }
            let limit_state = match decided {
                None => &self.state.limits,
                Some(fired) => &*tentative.get_or_insert_with(|| self.state.limits.with_shown(fired, now)),
            };
            let check = if conditions.dnd {
                Err(limits::Hold { reason: HoldReason::Dnd, until: now + self.interval(kind, now) })
            } else {
                limits::check(&self.rules.limits, limit_state, &self.rules.zone, kind, now)
            };
            match check {
                Ok(()) if decided.is_none() => {
                    let r = self.fire(kind, now);
                    decided = Some(kind);
                    events.push(Event::Fired(r));
                }
                Ok(()) => {}
                Err(hold) => {
                    let dropped = hold.until >= period.end;
                    if dropped {
                        self.state.due.remove(&kind);
                    } else {
                        self.state.due.insert(kind, hold.until);
                    }
                    if self.state.held.insert(kind, hold.reason) != Some(hold.reason) || dropped {
                        events.push(Event::Held {
                            at: now,
                            kind,
                            reason: hold.reason,
                            until: hold.until,
                            dropped,
                        });
                    }
                }
            }
        }
        events
    }

    /// Gives every enabled kind a timer and drops the timers of kinds no longer enabled
    /// (after a reload, or on entering a period).
    fn sync_kinds(&mut self, now: DateTime<Utc>) {
        let intervals = &self.rules.intervals;
        // The usual case, at every step: each enabled kind has a timer and nothing else does.
        if self.state.due.keys().eq(intervals.keys()) {
            return;
        }
        self.state.due.retain(|k, _| intervals.contains_key(k));
        for kind in Kind::ALL {
            let missing = !self.state.due.contains_key(&kind) && !self.state.held.contains_key(&kind);
            if missing && self.rules.intervals.contains_key(&kind) {
                self.restart(kind, now);
            }
        }
    }

    /// The reminder `kind` would show now: the snoozed suggestion when it is the one coming
    /// back, otherwise the catalogue's choice. Nothing is counted until `delivered`.
    fn fire(&self, kind: Kind, now: DateTime<Utc>) -> Reminder {
        if let Some(r) = self.state.snoozed.as_ref().filter(|r| r.kind == kind) {
            return Reminder { at: now, ..r.clone() };
        }
        let rules = &self.rules;
        let entry =
            self.catalog.choose(kind, &rules.limits, &self.state.limits, &rules.zone, now, &self.adapt);
        match entry {
            Some(e) => Reminder {
                at: now,
                kind,
                entry: Some(e.id.clone()),
                title: [kind.label(), " · ", &e.title].concat(),
                body: e.body(),
            },
            None => Reminder {
                at: now,
                kind,
                entry: None,
                title: kind.label().to_owned(),
                body: "Time to change position for a minute.".to_owned(),
            },
        }
    }

    /// The reminder is on the user's screen: it counts against the limits and rotation, and
    /// restarts the timers of its kind and of the kinds it covers.
    pub fn delivered(&mut self, r: &Reminder, now: DateTime<Utc>) {
        let self_mobilisation =
            r.entry.as_deref().and_then(|id| self.catalog.get(id)).is_some_and(|e| e.self_mobilisation);
        self.state.limits.record(r.kind, r.entry.as_deref(), self_mobilisation, now);
        if self.state.snoozed.as_ref().is_some_and(|s| s.kind == r.kind) {
            self.state.snoozed = None;
        }
        for other in Kind::ALL {
            if (other == r.kind || r.kind.covers(other)) && self.state.due.contains_key(&other) {
                self.restart(other, now);
            }
        }
    }

    /// Starts the timers of `kinds` afresh from `now`: what waited for a hold to lift, when
    /// another reminder came in its place.
    pub fn start_over(&mut self, kinds: &[Kind], now: DateTime<Utc>) {
        for kind in kinds {
            if self.state.due.contains_key(kind) {
                self.restart(*kind, now);
            }
        }
    }

    /// Starts `kind`'s timer afresh from `now`.
    fn restart(&mut self, kind: Kind, now: DateTime<Utc>) {
        let at = now + self.interval(kind, now);
        self.state.due.insert(kind, at);
        self.state.since.insert(kind, now);
        self.state.held.remove(&kind);
    }

    /// The next instant `step` has something to do, strictly after `now`: a due reminder, the
    /// end of the working period, or the start of the next one. `None` when no working hours
    /// are configured at all.
    pub fn next_wake(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut next = match self.state.period {
            Some(p) if p.contains(now) => Some(p.end),
            _ => self.rules.hours.next_start_after(&self.rules.zone, now),
        };
        for at in self.state.due.values() {
            if *at > now && next.is_none_or(|n| *at < n) {
                next = Some(*at);
            }
        }
        if let Some(until) = self.state.back_off_until.filter(|u| *u > now) {
            next = Some(next.map_or(until, |n| n.min(until)));
        }
        next.filter(|n| *n > now)
    }

    /// The Snooze button: the same suggestion comes back at `until` (limits permitting),
    /// whenever its timer would have run out.
    pub fn snooze_reminder(&mut self, r: &Reminder, until: DateTime<Utc>) {
        self.state.snoozed = Some(r.clone());
        self.state.due.insert(r.kind, until);
        self.state.held.remove(&r.kind);
    }

    /// `postured snooze`: nothing but warning signs until `until`.
    pub fn snooze_all(&mut self, until: DateTime<Utc>) {
        self.state.limits.snoozed_until = Some(until);
    }

    pub fn pause(&mut self, until: DateTime<Utc>) {
        self.state.limits.paused_until = Some(until);
    }

    /// Ends a pause. Timers start afresh from now rather than firing what the pause held.
    pub fn resume(&mut self, now: DateTime<Utc>) {
        let paused = self.state.limits.paused_until.take().is_some();
        let snoozed = self.state.limits.snoozed_until.take().is_some();
        if paused || snoozed {
            for kind in self.rules.intervals.keys().copied().collect::<Vec<_>>() {
                self.restart(kind, now);
            }
            self.state.held.clear();
        }
    }

    /// Records what the user did with a reminder; ignoring several in a row backs off.
    pub fn outcome(&mut self, outcome: Outcome, now: DateTime<Utc>) {
        if !outcome.ignored() {
            self.state.ignored_in_a_row = 0;
            return;
        }
        self.state.ignored_in_a_row += 1;
        let after = self.rules.back_off_after;
        if after > 0 && self.state.ignored_in_a_row >= after && self.state.back_off_until.is_none() {
            self.state.back_off_until =
                Some(next_day_begins(&self.rules.zone, self.rules.limits.day_starts, now));
        }
    }

    /// After the wall clock was set: a timer further away than its interval (the clock went
    /// back) is brought in, so nothing waits longer than its interval from now.
    pub fn clock_changed(&mut self, now: DateTime<Utc>) {
        self.period_current = false;
        let kinds: Vec<Kind> = self.state.due.keys().copied().collect();
        for kind in kinds {
            let latest = now + self.interval(kind, now);
            if let Some(at) = self.state.due.get_mut(&kind).filter(|at| **at > latest) {
                *at = latest;
            }
        }
    }

    /// The user was away (locked, asleep, idle) from `from` until `now`, and is back. Every kind
    /// whose break length fits in that time had a natural break: its timer restarts from `now`,
    /// as if its reminder had just been done. Returns those kinds, biggest break first.
    pub fn away(&mut self, from: DateTime<Utc>, now: DateTime<Utc>) -> Vec<Kind> {
        let span = now - from;
        let mut rested: Vec<Kind> = self
            .rules
            .breaks
            .iter()
            .filter(|(kind, length)| span >= **length && self.state.due.contains_key(kind))
            .map(|(kind, _)| *kind)
            .collect();
        rested.sort_by_key(|k| std::cmp::Reverse(k.rank()));
        for kind in &rested {
            self.restart(*kind, now);
        }
        rested
    }

    /// The next reminder due, and what (if anything) held it there.
    pub fn next_reminder(&self) -> Option<NextReminder> {
        let (kind, at) = self.state.due.iter().min_by_key(|(k, at)| (**at, std::cmp::Reverse(k.rank())))?;
        Some(NextReminder { at: *at, kind: *kind, held: self.state.held.get(kind).copied() })
    }

    /// Swaps in a reloaded config and plans again from history: each timer runs from when it
    /// last started with its new interval, and every hold is looked at afresh under the new
    /// limits (what was shown still counts). A snoozed suggestion keeps its time.
    pub fn reload(&mut self, rules: Rules, catalog: Catalog, now: DateTime<Utc>) {
        self.rules = rules;
        self.catalog = catalog;
        self.period_current = false;
        self.state.held.clear();
        let snoozed = self.state.snoozed.as_ref().map(|r| r.kind);
        let kinds: Vec<Kind> = self.state.due.keys().copied().collect();
        for kind in kinds {
            if Some(kind) == snoozed {
                continue;
            }
            let since = self.state.since.get(&kind).copied().unwrap_or(now);
            let at = (since + self.interval(kind, now)).min(now + self.interval(kind, now));
            self.state.due.insert(kind, at);
        }
        if self.state.period.is_some() {
            self.sync_kinds(now);
        }
    }
}

/// Runs the planner over simulated time from `from` for `span`, as `postured plan` does.
pub fn simulate(planner: &mut Planner, from: DateTime<Utc>, span: Duration) -> Vec<Event> {
    let end = from + span;
    let mut events = Vec::new();
    let mut now = from;
    loop {
        events.extend(planner.step(now));
        match planner.next_wake(now) {
            Some(next) if next < end => now = next,
            _ => return events,
        }
    }
}

#[cfg(test)]
#[path = "planner_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "away_tests.rs"]
mod away_tests;
