//! The D-Bus control requests (status, pause, resume, snooze, reload, log) and what they do.

use super::Daemon;
use super::conversation::Stage;
use crate::adapters::clock;
use crate::adapters::control::{Reply, Request};
use crate::adapters::store::NewReport;
use crate::commands::log;
use crate::config;
use crate::core::schedule::next_day_begins;
use crate::core::{Area, Outcome, Symptom, advice};
use tracing::{info, warn};

impl Daemon {
    pub(super) async fn reload(&mut self) -> Result<String, String> {
        let settings = config::load(&self.which).map_err(|e| e.to_string())?;
        for w in &settings.warnings {
            warn!("{w}");
        }
        self.planner.reload(settings.rules.clone(), settings.catalog.clone());
        self.session.set_threshold(settings.session.idle_threshold).await;
        let from = settings.files.last().map(|p| p.display().to_string()).unwrap_or_default();
        self.settings = settings;
        info!("reloaded the config from {from}");
        Ok(format!("reloaded {from}"))
    }

    pub(super) async fn handle(&mut self, request: Request) -> Result<Reply, String> {
        let now = clock::now();
        let zone = self.planner.rules.zone;
        let reply = match request {
            Request::Status => return Ok(Reply::Status(Box::new(self.status(now).await))),
            Request::Pause(seconds) => {
                let until = match seconds {
                    Some(s) => {
                        now + chrono::Duration::seconds(
                            i64::try_from(s).unwrap_or(i64::MAX).min(366 * 86_400),
                        )
                    }
                    None => next_day_begins(&zone, self.planner.rules.limits.day_starts, now),
                };
                self.planner.pause(until);
                Reply::Done(format!("paused until {}", zone.format(until, "%a %Y-%m-%d %H:%M")))
            }
            Request::Resume => {
                self.planner.resume(now);
                Reply::Done("resumed".to_owned())
            }
            Request::Snooze(seconds) => {
                let until =
                    now + chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX).min(86_400));
                self.planner.snooze(None, until);
                if let Some(open) = self.open.clone().filter(|o| o.stage == Stage::Reminder) {
                    self.finish(Some(Outcome::Snoozed), now);
                    let _ = self.notifier.close(open.id).await;
                }
                Reply::Done(format!("snoozed until {}", zone.format(until, "%H:%M")))
            }
            Request::Reload => Reply::Done(self.reload().await?),
            Request::Log { area, severity, symptoms, note, at } => {
                let area: Area = area.parse()?;
                let severity = u8::try_from(severity)
                    .ok()
                    .filter(|s| *s <= 10)
                    .ok_or_else(|| format!("severity must be from 0 to 10, got {severity}"))?;
                let mut symptoms =
                    symptoms.iter().map(|s| s.parse::<Symptom>()).collect::<Result<Vec<_>, _>>()?;
                symptoms.sort();
                symptoms.dedup();
                let note = log::check_note(&note)?;
                let at =
                    if at == 0 { now } else { log::check_at(chrono::DateTime::from_timestamp(at, 0), now)? };
                let report = NewReport {
                    at,
                    area,
                    severity,
                    symptoms: &symptoms,
                    note: note.as_deref(),
                    source: "cli",
                };
                let (id, advice) = self
                    .log_report(&report, now)
                    .await
                    .map_err(|e| format!("can't store the report: {e:#}"))?;
                Reply::Logged(id, advice.iter().map(advice::text).collect())
            }
        };
        self.save(now);
        Ok(reply)
    }
}
