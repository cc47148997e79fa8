//! Care advice in the running daemon: after every report and at each wake, what the reports call
//! for, shown under its own limits; warning signs at once, whatever else would hold them.

use super::conversation::{self, Answer};
use super::{Daemon, EXPIRY_GRACE};
use crate::adapters::store::NewReport;
use crate::core::care::{self, Finding};
use crate::core::{Area, Logged, limits};
use chrono::{DateTime, Utc};
use tracing::{error, info, warn};

/// A care notification on screen.
#[derive(Debug, Clone)]
pub(super) struct CareOpen {
    pub id: u32,
    /// Its row in `care_advice`.
    pub row: i64,
    pub area: Area,
    /// Routine advice expires like a reminder; a warning sign stays until closed.
    pub expires_at: Option<DateTime<Utc>>,
}

impl Daemon {
    /// Reads the reports the rules look at and refreshes what suggestions adapt to.
    pub(super) fn load_reports(&mut self, now: DateTime<Utc>) -> Vec<Logged> {
        let reports = match self.store.logged_since(now - care::LOOKBACK) {
            Ok(r) => r,
            Err(e) => {
                error!("can't read discomfort reports: {e:#}");
                Vec::new()
            }
        };
        self.planner.adapt = care::adapt(&self.settings.care.rules, &reports, now);
        reports
    }

    /// Stores a report (committed before this returns) and returns its id and the advice it
    /// takes part in, for the one who logged it. The advice is shown by the loop's next pass,
    /// right after this: a `Log` call is answered first, however slow the notification server.
    pub(super) async fn log_report(
        &mut self,
        report: &NewReport<'_>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(i64, Vec<Finding>)> {
        let id = self.store.log_discomfort(report, now)?;
        info!(
            "logged {} discomfort {}/10 from {} (report {id})",
            report.area, report.severity, report.source
        );
        let reports = self.load_reports(now);
        let rules = &self.settings.care.rules;
        let findings = care::assess(rules, &reports, &self.planner.rules.zone, now);
        let mine =
            reports.iter().find(|r| r.id == id).map(|r| care::for_report(&findings, r)).unwrap_or_default();
        Ok((id, mine))
    }

    /// Shows the advice that is due at `now`, at each wake.
    pub(super) async fn care_tick(&mut self, now: DateTime<Utc>) {
        // Set again below if advice is still held; a stale time would wake the loop at once.
        self.care_retry_at = None;
        let reports = self.load_reports(now);
        if reports.is_empty() {
            return;
        }
        let findings = care::assess(&self.settings.care.rules, &reports, &self.planner.rules.zone, now);
        self.show_care(&findings, now).await;
    }

    async fn show_care(&mut self, findings: &[Finding], now: DateTime<Utc>) {
        let rules = self.settings.care.rules.clone();
        self.planner.state.care.prune(now);
        let due = self.planner.state.care.due(&rules, findings, now);
        if due.is_empty() {
            return;
        }
        let p = &self.planner;
        let held = limits::check_quiet(&p.rules.limits, &p.state.limits, &p.rules.zone, now).err();
        if held.is_none() && self.server.is_some() && due.iter().any(|f| !f.reason.is_warning()) {
            self.dnd = self.notifier.do_not_disturb().await;
        }
        for f in due {
            if !f.reason.is_warning() {
                if let Some(hold) = held {
                    self.care_retry_at = Some(self.care_retry_at.map_or(hold.until, |t| t.min(hold.until)));
                    continue;
                }
                if self.dnd || self.presence.is_away() {
                    // Looked at again at the next wake (a reminder's, or the user's return).
                    continue;
                }
            }
            let message = conversation::care(
                &f,
                self.settings.care.link.as_deref(),
                self.settings.notifications.expire,
            );
            match self.notifier.show(&message).await {
                Ok(id) => {
                    let row = self
                        .store
                        .record_advice(now, &f, &message.summary, &message.body)
                        .unwrap_or_else(|e| {
                            error!("can't record care advice: {e:#}");
                            -1
                        });
                    info!("care advice ({}) for {}: {}", f.reason.as_str(), f.area, f.why);
                    self.planner.state.care.gave(&f, now);
                    let expires_at = (!message.expire.is_zero()).then(|| {
                        now + chrono::Duration::from_std(message.expire).unwrap_or_default() + EXPIRY_GRACE
                    });
                    self.care_open.push(super::care::CareOpen { id, row, area: f.area, expires_at });
                }
                Err(e) => {
                    // Not marked as given: a server's arrival is an event, and the loop's pass
                    // after it shows the advice.
                    warn!(
                        "can't show care advice ({e}); it will be shown when a notification server is available"
                    );
                }
            }
        }
        self.save(now);
    }

    /// A button on (or the closing of) a care notification.
    pub(super) async fn on_care_answer(
        &mut self,
        open: CareOpen,
        answer: Option<Answer>,
        now: DateTime<Utc>,
    ) {
        let rules = self.settings.care.rules.clone();
        let outcome = match answer {
            Some(Answer::Booked) => {
                self.planner.state.care.booked(&rules, open.area, now);
                "booked"
            }
            Some(Answer::Later) => {
                self.planner.state.care.later(&rules, open.area, now);
                "later"
            }
            Some(Answer::OpenLink) => {
                self.open_care_link();
                "opened"
            }
            Some(_) => "seen",
            None => "closed",
        };
        if open.row >= 0
            && let Err(e) = self.store.record_advice_outcome(open.row, outcome, now)
        {
            error!("can't record what was said to care advice: {e:#}");
        }
        self.care_open.retain(|o| o.id != open.id);
        if answer.is_some() {
            let _ = self.notifier.close(open.id).await;
        }
        self.save(now);
    }

    /// Closes care notifications past their expiry (some servers ignore it).
    pub(super) async fn expire_care(&mut self, now: DateTime<Utc>) {
        let (old, keep): (Vec<CareOpen>, Vec<CareOpen>) =
            self.care_open.drain(..).partition(|o| o.expires_at.is_some_and(|t| now >= t));
        self.care_open = keep;
        for o in old {
            let _ = self.notifier.close(o.id).await;
            if o.row >= 0 {
                let _ = self.store.record_advice_outcome(o.row, "expired", now);
            }
        }
    }

    /// Opens the user's care link in their browser; never waits for it.
    fn open_care_link(&self) {
        let Some(link) = self.settings.care.link.clone() else { return };
        let spawned = tokio::process::Command::new("xdg-open")
            .arg(&link)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match spawned {
            Ok(mut child) => {
                tokio::spawn(async move {
                    let _ = child.wait().await;
                });
            }
            Err(e) => warn!("can't open {link} with xdg-open: {e}"),
        }
    }
}
