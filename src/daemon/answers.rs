//! The conversation with the user through a notification: button presses and closes, and how
//! each one ends (recorded as an outcome, followed by the next question, or a stored report).

use super::conversation::{self, Answer, Stage};
use super::{Daemon, EXPIRY_GRACE, Open};
use crate::adapters::clock;
use crate::adapters::notify::{self, Signal};
use crate::adapters::store::NewReport;
use crate::core::{Outcome, Symptom};
use chrono::{DateTime, Utc};
use tracing::{error, warn};

impl Daemon {
    /// Ends the conversation about the open notification, recording how it ended.
    pub(super) fn finish(&mut self, outcome: Option<Outcome>, now: DateTime<Utc>) {
        if let Some(open) = self.open.take()
            && let Some(outcome) = outcome
        {
            self.record(open.row, outcome, now);
            if open.stage == Stage::Reminder {
                self.planner.outcome(outcome, now);
            }
            self.save(now);
        }
    }

    pub(super) async fn on_signal(&mut self, signal: Signal) {
        let now = clock::now();
        let signal_id = match &signal {
            Signal::Closed { id, .. } | Signal::Action { id, .. } => *id,
        };
        if let Some(care) = self.care_open.iter().find(|o| o.id == signal_id).cloned() {
            let answer = match signal {
                Signal::Action { key, .. } => Some(conversation::read_action(&key)),
                Signal::Closed { .. } => None,
            };
            return self.on_care_answer(care, answer, now).await;
        }
        let Some(open) = self.open.clone() else { return };
        match signal {
            Signal::Closed { id, reason } if id == open.id => {
                // Mid-way through logging, a close abandons the report: the reminder was seen.
                let outcome = match open.stage {
                    Stage::Reminder => conversation::closed_outcome(reason),
                    _ => Some(Outcome::Dismissed),
                };
                self.finish(outcome, now);
                self.open = None;
            }
            Signal::Action { id, key } if id == open.id => {
                self.on_answer(open, conversation::read_action(&key), now).await
            }
            _ => {}
        }
    }

    pub(super) async fn on_answer(&mut self, open: Open, answer: Answer, now: DateTime<Utc>) {
        let expire = self.settings.notifications.expire;
        let renew = |o: &mut Open| {
            o.expires_at = now + chrono::Duration::from_std(expire).unwrap_or_default() + EXPIRY_GRACE
        };
        match (open.stage, answer) {
            (Stage::Reminder, Answer::Done) => {
                self.finish(Some(Outcome::Done), now);
                let _ = self.notifier.close(open.id).await;
            }
            (Stage::Reminder, Answer::Snooze) => {
                let until =
                    now + chrono::Duration::from_std(self.settings.notifications.snooze).unwrap_or_default();
                self.planner.snooze(Some(open.kind), until);
                self.finish(Some(Outcome::Snoozed), now);
                let _ = self.notifier.close(open.id).await;
            }
            (Stage::Reminder, Answer::StartLog) => {
                // Engaging with a reminder is not ignoring it, whatever happens next.
                self.planner.outcome(Outcome::Logged, now);
                let mut next = Open { stage: Stage::Area, ..open.clone() };
                renew(&mut next);
                self.show_step(conversation::ask_area(&open.areas, open.id, expire), next).await;
            }
            (Stage::Area, Answer::Area(area)) => {
                let mut next = Open { stage: Stage::Severity(area), ..open.clone() };
                renew(&mut next);
                self.show_step(conversation::ask_severity(area, open.id, expire), next).await;
            }
            (Stage::Severity(area), Answer::Severity(severity)) => {
                let severity = severity.min(10);
                let mut next = Open { stage: Stage::Symptoms(area, severity), ..open.clone() };
                renew(&mut next);
                self.show_step(conversation::ask_symptoms(area, severity, open.id, expire), next).await;
            }
            (Stage::Symptoms(area, severity), Answer::Symptom(symptom)) => {
                self.open = None;
                let symptoms: Vec<Symptom> = symptom.into_iter().collect();
                let report = NewReport {
                    at: now,
                    area,
                    severity,
                    symptoms: &symptoms,
                    note: None,
                    source: "notification",
                };
                let message = match self.log_report(&report, now).await {
                    Ok((_, advice)) => {
                        self.record(open.row, Outcome::Logged, now);
                        // A warning sign's advice (shown on the loop's next pass) replaces the
                        // confirmation: it says more.
                        let warned = &self.planner.state.care.warned;
                        if advice.iter().any(|f| f.reason.is_warning() && !warned.contains(&f.report)) {
                            let _ = self.notifier.close(open.id).await;
                            return;
                        }
                        conversation::logged(area, severity, open.id)
                    }
                    Err(e) => {
                        error!("can't store a discomfort report: {e:#}");
                        conversation::not_logged(&format!("{e:#}"), open.id)
                    }
                };
                if let Err(e) = self.notifier.show(&message).await {
                    warn!("can't confirm the report on screen: {e}");
                }
            }
            _ => {}
        }
    }

    pub(super) async fn show_step(&mut self, message: notify::Message, next: Open) {
        match self.notifier.show(&message).await {
            Ok(id) => self.open = Some(Open { id, ..next }),
            Err(e) => {
                warn!("can't show a notification: {e}");
                self.open = None;
            }
        }
    }
}
