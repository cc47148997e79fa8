//! What the engine says about itself for `status` and the `StateChanged` signal: the state in
//! one word, the next reminder with what holds it and until when, and today's counts. The next
//! reminder is found by running a copy of the planner forward, so `status` says only what will
//! happen.

use super::Engine;
use crate::core::limits::HoldReason;
use crate::core::planner::Event;
use crate::core::{Away, Busy, Kind};
use chrono::{DateTime, Utc};

/// The next reminder as it will happen.
#[derive(Debug, Clone, PartialEq)]
pub struct Next {
    pub at: DateTime<Utc>,
    pub kind: Kind,
    /// Why then: `interval`, `snoozed`, `away`, `dnd`, `conversation`, `no_server` or the
    /// code of the limit that holds it (`hourly_cap`, ...).
    pub why: &'static str,
    /// When `why` is a hold of ours: the words for it ("hourly limit reached").
    pub words: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EngineStatus {
    /// `active`, `paused`, `snoozed`, `off-hours`, `away`, `busy` or `dnd`.
    pub state: &'static str,
    /// `None` with `why` set: it waits for an event (the user back, a server, an answer).
    pub next: Option<Next>,
    /// Set when nothing is planned because of an event the engine waits for.
    pub waiting: Option<&'static str>,
    pub paused_until: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub shown_today: u32,
    pub max_per_day: u32,
    pub shown_last_hour: u32,
    pub max_per_hour: u32,
    pub dnd: bool,
    pub away: Vec<Away>,
    /// Why the user is busy now (the camera in use, ...); empty when not.
    pub busy: Vec<Busy>,
    pub next_wake: Option<DateTime<Utc>>,
    /// The question open on screen, if any: `reminder`, `area`, `severity`, `symptoms`.
    pub open: Option<&'static str>,
}

/// How far ahead `status` looks for the next reminder.
const LOOK_AHEAD: chrono::Duration = chrono::Duration::days(8);

impl Engine {
    pub fn status(&self, now: DateTime<Utc>) -> EngineStatus {
        let p = &self.planner;
        let zone = p.rules.zone;
        let limits = &p.rules.limits;
        let paused_until = p.state.limits.paused_until.filter(|u| *u > now);
        let snoozed_reminder =
            p.state.snoozed.as_ref().and_then(|r| p.state.due.get(&r.kind).copied()).filter(|t| *t > now);
        let snoozed_until = p.state.limits.snoozed_until.filter(|u| *u > now).or(snoozed_reminder);
        let in_period = p.state.period.is_some_and(|period| period.contains(now));
        let state = if paused_until.is_some() {
            "paused"
        } else if snoozed_until.is_some() {
            "snoozed"
        } else if !in_period && p.rules.hours.period_at(&zone, now).is_none() {
            "off-hours"
        } else if self.presence.is_away() {
            "away"
        } else if self.busy_causes().next().is_some() {
            "busy"
        } else if self.dnd {
            "dnd"
        } else {
            "active"
        };
        let waiting = if self.presence.is_away() {
            Some("away")
        } else if self.busy_causes().next().is_some() {
            Some("busy")
        } else if self.busy() {
            Some("conversation")
        } else if self.server.is_none() {
            Some("no_server")
        } else {
            None
        };
        let next = match waiting {
            // Due now or when it comes due, but only after the event.
            Some(why) => p.next_reminder().map(|n| Next { at: n.at.max(now), kind: n.kind, why, words: "" }),
            None => self.predict(now),
        };
        EngineStatus {
            state,
            next,
            waiting,
            paused_until,
            snoozed_until,
            shown_today: p.state.limits.shown_today(limits, &zone, now),
            max_per_day: limits.max_per_day,
            shown_last_hour: p.state.limits.shown_last_hour(now),
            max_per_hour: limits.max_per_hour,
            dnd: self.dnd,
            away: self.presence.causes(),
            busy: self.busy_causes().collect(),
            next_wake: self.next_wake(now),
            open: self.screen.reminder().map(|(stage, _)| stage.as_str()),
        }
    }

    /// Runs a copy of the planner forward (do-not-disturb as it is now) to the first reminder
    /// it would show, noting what held that kind on the way.
    fn predict(&self, now: DateTime<Utc>) -> Option<Next> {
        let mut p = self.planner.clone();
        let conditions = crate::core::Conditions { dnd: self.dnd, ..Default::default() };
        let snoozed = p.state.snoozed.as_ref().map(|r| r.kind);
        let mut holds: Vec<(Kind, HoldReason)> = p
            .state
            .held
            .iter()
            .filter(|(k, _)| p.state.due.get(k).is_some_and(|t| *t > now))
            .map(|(k, r)| (*k, *r))
            .collect();
        let end = now + LOOK_AHEAD;
        // Settling after being busy or unlocking: nothing comes before it ends.
        let settling = self.settling.filter(|(t, _)| *t > now);
        let mut at = settling.map_or(now, |(t, _)| t);
        for _ in 0..5000 {
            for event in p.step_with(at, conditions) {
                match event {
                    Event::Fired(r) => {
                        let why = holds.iter().rev().find(|(k, _)| *k == r.kind).map(|(_, reason)| *reason);
                        let why = match settling {
                            Some((t, reason)) if r.at == t => Some(reason),
                            _ => why,
                        };
                        let (why, words) = match why {
                            Some(reason) => (reason.as_str(), reason.words()),
                            None if Some(r.kind) == snoozed => ("snoozed", HoldReason::Snoozed.words()),
                            None => ("interval", ""),
                        };
                        return Some(Next { at: r.at, kind: r.kind, why, words });
                    }
                    Event::Held { kind, reason, .. } => holds.push((kind, reason)),
                }
            }
            match p.next_wake(at) {
                Some(next) if next <= end => at = next,
                _ => return None,
            }
        }
        None
    }
}
