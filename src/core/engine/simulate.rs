//! The engine over simulated time, as `postured plan` shows it: a notification server that
//! takes everything and a user who answers every reminder with Done and reads every piece of
//! care advice. Because it is the daemon's own engine, the plan and the daemon cannot disagree.

use super::{Effect, Engine, Input};
use crate::core::care::Finding;
use crate::core::limits::HoldReason;
use crate::core::{Kind, Reminder};
use chrono::{DateTime, Duration, Utc};

/// One thing the plan expects to happen.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    Reminder(Reminder),
    Held { at: DateTime<Utc>, kind: Kind, reason: HoldReason, until: DateTime<Utc>, dropped: bool },
    Care { at: DateTime<Utc>, finding: Finding, title: String, body: String },
}

impl Planned {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Planned::Reminder(r) => r.at,
            Planned::Held { at, .. } | Planned::Care { at, .. } => *at,
        }
    }
}

const SERVER: &str = ":plan";

/// Runs `engine` from `from` for `span`.
pub fn simulate(engine: &mut Engine, from: DateTime<Utc>, span: Duration) -> Vec<Planned> {
    let end = from + span;
    let mut out = Vec::new();
    let mut next_id = 1u32;
    let mut now = from;
    let mut queue =
        vec![Input::ServerUp { name: SERVER.into(), label: "plan".into(), actions: true, dnd: false }];
    loop {
        while !queue.is_empty() {
            for input in std::mem::take(&mut queue) {
                for effect in engine.handle(input, now) {
                    match effect {
                        Effect::Show { note, message, .. } => {
                            let id = next_id;
                            next_id += 1;
                            queue.push(Input::Shown { note, server: SERVER.into(), id });
                            // Read at once: Done on a reminder, the plain click on advice.
                            queue.push(Input::Action { server: SERVER.into(), id, key: "default".into() });
                            let _ = message;
                        }
                        Effect::Store(super::Record::Shown { reminder, .. }) => {
                            out.push(Planned::Reminder(reminder))
                        }
                        Effect::Store(super::Record::Advice { at, finding, summary, body, .. }) => {
                            out.push(Planned::Care { at, finding, title: summary, body });
                        }
                        Effect::Held { at, kind, reason, until, dropped } => {
                            out.push(Planned::Held { at, kind, reason, until, dropped });
                        }
                        _ => {}
                    }
                }
            }
        }
        match engine.next_wake(now) {
            Some(next) if next < end => {
                now = next;
                queue.push(Input::Tick);
            }
            _ => return out,
        }
    }
}
