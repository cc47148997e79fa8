//! What `postured status` and the `StateChanged` signal report.

use super::Daemon;
use crate::adapters::control::Status;
use chrono::{DateTime, Utc};

impl Daemon {
    /// The status, reading do-not-disturb from the server afresh.
    pub(super) async fn status(&mut self, now: DateTime<Utc>) -> Status {
        if self.server.is_some() {
            self.dnd = self.notifier.do_not_disturb().await;
        }
        self.status_cached(now)
    }

    /// The status from what the daemon already knows, with no bus round trip.
    pub(super) fn status_cached(&self, now: DateTime<Utc>) -> Status {
        let p = &self.planner;
        let zone = p.rules.zone;
        let limits = &p.rules.limits;
        let paused_until = p.state.limits.paused_until.filter(|u| *u > now);
        let state = if paused_until.is_some() {
            "paused"
        } else if p.state.period.is_none_or(|period| !period.contains(now)) {
            "off-hours"
        } else if self.presence.is_away() {
            "away"
        } else if self.dnd {
            "dnd"
        } else {
            "active"
        };
        let next = p.next_reminder();
        Status {
            state: state.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            next_at: next.as_ref().map(|n| zone.rfc3339(n.at)).unwrap_or_default(),
            next_kind: next.as_ref().map(|n| n.kind.to_string()).unwrap_or_default(),
            next_why: next
                .as_ref()
                .map(|n| n.held.map_or("interval", |h| h.as_str()).to_owned())
                .unwrap_or_default(),
            paused_until: paused_until.map(|u| zone.rfc3339(u)).unwrap_or_default(),
            shown_today: p.state.limits.shown_today(limits, &zone, now),
            max_per_day: limits.max_per_day,
            shown_last_hour: p.state.limits.shown_last_hour(now),
            max_per_hour: limits.max_per_hour,
            server: self.server.as_ref().map(|s| format!("{} {}", s.name, s.version)).unwrap_or_default(),
            server_actions: self.server.as_ref().is_some_and(|s| s.actions),
            dnd: self.dnd,
            away: self.presence.causes().iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "),
            lock: self.session.lock.clone(),
            idle: self.session.idle().to_owned(),
            config_files: self.settings.files.iter().map(|f| f.display().to_string()).collect(),
            store: self.store.path().display().to_string(),
        }
    }
}
