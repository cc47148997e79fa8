//! Session signals (lock, sleep, idle, screen saver) turned into the engine's presence inputs;
//! the idle watches themselves are re-armed here, as the adapter's protocol needs.

use super::Daemon;
use crate::adapters::clock;
use crate::adapters::session::{IdleNow, MUTTER, SCREENSAVER, SessionEvent, Watch};
use crate::core::engine::Input;
use crate::core::{Away, Busy};
use std::time::Duration;
use tracing::{info, warn};

impl Daemon {
    /// Says once, at start, what the desktop lets us see.
    pub(super) fn log_session(&self) {
        let s = &self.session;
        if s.lock.starts_with("logind") {
            info!("lock and sleep: {}", s.lock);
        } else {
            warn!("lock and sleep: {}; reminders keep to plain schedules while locked", s.lock);
        }
        info!("busy: {}", s.busy_sources(&self.engine.settings().busy_when));
        if s.idle().starts_with("not available") {
            warn!("idle: {}; time away from the keyboard is not noticed", s.idle());
        } else {
            info!("idle: {}", s.idle());
        }
    }

    /// Tells the engine the user has been idle for `idle`, if they have (at start, after a
    /// reload).
    pub(super) async fn idle_for(&mut self, idle: Option<IdleNow>) {
        match idle {
            Some(IdleNow::Idle(idle)) => self.input(idle_since(idle, clock::now())).await,
            Some(IdleNow::Here) => self.input(Input::Back { cause: Away::Idle }).await,
            None => {}
        }
    }

    pub(super) async fn on_session(&mut self, event: SessionEvent) {
        let now = clock::now();
        let away = |cause| Input::Away { cause, since: now };
        let input = match event {
            SessionEvent::Locked(true) => away(Away::Locked),
            SessionEvent::Locked(false) => Input::Back { cause: Away::Locked },
            SessionEvent::Sleep(true) => {
                info!("going to sleep");
                away(Away::Asleep)
            }
            SessionEvent::Sleep(false) => {
                info!("woke up; planning again");
                Input::Back { cause: Away::Asleep }
            }
            SessionEvent::ScreenSaver(true) => away(Away::ScreenSaver),
            SessionEvent::ScreenSaver(false) => Input::Back { cause: Away::ScreenSaver },
            SessionEvent::WatchFired(id) => match self.session.fired(id).await {
                Watch::Idle => {
                    // The watch fires after the threshold without input: idleness began then.
                    let threshold = chrono::Duration::from_std(self.session.threshold()).unwrap_or_default();
                    Input::Away { cause: Away::Idle, since: now - threshold }
                }
                Watch::Active => Input::Back { cause: Away::Idle },
                Watch::IdleAndBack => {
                    let threshold = chrono::Duration::from_std(self.session.threshold()).unwrap_or_default();
                    self.input(Input::Away { cause: Away::Idle, since: now - threshold }).await;
                    Input::Back { cause: Away::Idle }
                }
                Watch::Other => return,
            },
            SessionEvent::Idle(idle) => idle_since(idle, now),
            SessionEvent::Active => Input::Back { cause: Away::Idle },
            SessionEvent::Inhibited(on) => {
                info!("idle inhibitor (logind): {}", if on { "on" } else { "off" });
                Input::Busy { cause: Busy::Inhibit, on: self.session.inhibited(false, on) }
            }
            SessionEvent::GnomeInhibited(read) => {
                self.session.gnome_session(read.is_some());
                let on = read.unwrap_or(false);
                match read {
                    Some(on) => info!("idle inhibitor (GNOME): {}", if on { "on" } else { "off" }),
                    None => info!("GNOME's session manager is gone; its idle inhibitors with it"),
                }
                Input::Busy { cause: Busy::Inhibit, on: self.session.inhibited(true, on) }
            }
            SessionEvent::Camera(on) => Input::Busy { cause: Busy::Camera, on },
            SessionEvent::Fullscreen(on) => Input::Busy { cause: Busy::Fullscreen, on },
            SessionEvent::IdleGone => {
                self.session.native_gone();
                info!("idle: now {}", self.session.idle());
                Input::Back { cause: Away::Idle }
            }
            SessionEvent::Service(name, up) => {
                let before = self.session.idle();
                let mut input = None;
                if name == MUTTER {
                    if (up && !self.session.wants_mutter()) || (!up && !self.session.mutter_up) {
                        return; // the X server's or compositor's idle source is in use
                    }
                    if up {
                        self.session.mutter_up = true;
                        if let Some(idle) = self.session.arm_idle().await {
                            input = Some(idle_since(idle, now));
                        }
                    } else {
                        self.session.mutter_gone();
                        input = Some(Input::Back { cause: Away::Idle });
                    }
                } else if name == SCREENSAVER {
                    self.session.screensaver_up = up;
                    if !up {
                        input = Some(Input::Back { cause: Away::ScreenSaver });
                    }
                }
                if self.session.idle() != before {
                    info!("idle: now {}", self.session.idle());
                }
                match input {
                    Some(i) => i,
                    None => return,
                }
            }
        };
        self.input(input).await;
    }
}

/// Idle since `idle` before `now`.
fn idle_since(idle: Duration, now: chrono::DateTime<chrono::Utc>) -> Input {
    Input::Away { cause: Away::Idle, since: now - chrono::Duration::from_std(idle).unwrap_or_default() }
}
