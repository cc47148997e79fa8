//! The user's presence: lock, sleep and idle events turned into "away" (no reminder is shown)
//! and, on return, natural breaks that restart the timers of the kinds they count for.

use super::Daemon;
use crate::adapters::clock;
use crate::adapters::session::{MUTTER, SCREENSAVER, SessionEvent, Watch};
use crate::core::Away;
use chrono::{DateTime, Utc};
use tracing::{error, info, warn};

impl Daemon {
    /// Says once, at start, what the desktop lets us see.
    pub(super) fn log_session(&self) {
        let s = &self.session;
        if s.lock.starts_with("logind") {
            info!("lock and sleep: {}", s.lock);
        } else {
            warn!("lock and sleep: {}; reminders keep to plain schedules while locked", s.lock);
        }
        if s.idle().starts_with("not available") {
            warn!("idle: {}; time away from the keyboard is not noticed", s.idle());
        } else {
            info!("idle: {}", s.idle());
        }
    }

    pub(super) async fn on_session(&mut self, event: SessionEvent) {
        let now = clock::now();
        match event {
            SessionEvent::Locked(true) => self.went_away(Away::Locked, now),
            SessionEvent::Locked(false) => self.came_back(Away::Locked, now),
            SessionEvent::Sleep(true) => {
                info!("going to sleep");
                self.went_away(Away::Asleep, now);
            }
            SessionEvent::Sleep(false) => {
                info!("woke up; planning again");
                self.came_back(Away::Asleep, now);
                self.planner.clock_changed(now);
            }
            SessionEvent::ScreenSaver(true) => self.went_away(Away::ScreenSaver, now),
            SessionEvent::ScreenSaver(false) => self.came_back(Away::ScreenSaver, now),
            SessionEvent::WatchFired(id) => match self.session.fired(id).await {
                Watch::Idle => {
                    // The watch fires after the threshold without input: idleness began then.
                    let threshold = chrono::Duration::from_std(self.session.threshold()).unwrap_or_default();
                    self.went_away(Away::Idle, now - threshold);
                }
                Watch::Active => self.came_back(Away::Idle, now),
                Watch::Other => {}
            },
            SessionEvent::Service(name, up) => {
                let before = self.session.idle();
                if name == MUTTER {
                    if up {
                        self.session.mutter_up = true;
                        self.session.arm_idle().await;
                    } else {
                        self.session.mutter_gone();
                        self.came_back(Away::Idle, now);
                    }
                } else if name == SCREENSAVER {
                    self.session.screensaver_up = up;
                    if !up {
                        self.came_back(Away::ScreenSaver, now);
                    }
                }
                if self.session.idle() != before {
                    info!("idle: now {}", self.session.idle());
                }
            }
        }
    }

    fn went_away(&mut self, cause: Away, since: DateTime<Utc>) {
        if !self.presence.causes().contains(&cause) {
            info!("away: {cause}");
        }
        self.presence.begin(cause, since);
    }

    /// `cause` ended. When nothing else keeps the user away, the time away counts as a break of
    /// every kind it was long enough for (a locked screen or sleep only if the config says so).
    fn came_back(&mut self, cause: Away, now: DateTime<Utc>) {
        let Some(absence) = self.presence.end(cause, now) else { return };
        let lock_counts = self.settings.session.lock_counts_as_break;
        let counts = |c: Away| lock_counts || !matches!(c, Away::Locked | Away::Asleep);
        let Some(from) = absence.counted_from(counts) else {
            info!("back ({}); the time away does not count as a break", absence.causes());
            return;
        };
        let rested = self.planner.away(from, now);
        let minutes = (now - from).num_seconds() as f64 / 60.0;
        if rested.is_empty() {
            info!("back after {minutes:.1} min ({}): too short for a break", absence.causes());
            return;
        }
        for kind in &rested {
            if let Err(e) = self.store.record_natural_break(*kind, from, now, &absence.causes()) {
                error!("can't record a natural break: {e:#}");
            }
        }
        self.save(now);
        let kinds: Vec<&str> = rested.iter().map(|k| k.as_str()).collect();
        info!(
            "back after {minutes:.1} min ({}): a natural break; restarted the {} timers",
            absence.causes(),
            kinds.join(", ")
        );
    }
}
