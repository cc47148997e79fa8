//! Care in the engine: stored reports and pops, the care assessment (on reports, settings and
//! the day changing only) and showing advice under its own limits; warning signs at once.

use super::*;

impl Engine {
    pub(super) fn report_stored(&mut self, from: ReportFrom, report: Logged, now: DateTime<Utc>) {
        let (id, area, severity) = (report.id, report.area, report.severity);
        let source = match from {
            ReportFrom::Notification => "notification",
            ReportFrom::Call(_, ShownIn::Terminal) => "the terminal",
            ReportFrom::Call(..) => "D-Bus",
        };
        self.say(false, format!("logged {area} discomfort {severity}/10 from {source} (report {id})"));
        self.reports.retain(|r| r.id != id);
        self.reports.push(report);
        self.assess(now);
        let mine: Vec<Finding> = self
            .reports
            .iter()
            .find(|r| r.id == id)
            .map(|r| care::for_report(&self.findings, r))
            .unwrap_or_default();
        match from {
            ReportFrom::Call(call, shown_in) => {
                let advice = self.give_to_caller(&mine, shown_in, now);
                self.effects.push(Effect::Logged { call, result: Ok((id, advice)) });
            }
            ReportFrom::Notification => {
                if let Some((row, ..)) = self.saving.take() {
                    self.record(Record::Outcome { row, outcome: Outcome::Logged, at: now });
                }
                // A warning sign's advice (shown by this pass) says more than a confirmation.
                let warned = &self.planner.state.care.warned;
                if !mine.iter().any(|f| f.reason.is_warning() && !warned.contains(&f.report)) {
                    self.show(What::Info, conversation::logged(area, severity), None, now);
                }
            }
        }
    }

    pub(super) fn pop_stored(&mut self, from: ReportFrom, id: i64, at: DateTime<Utc>, now: DateTime<Utc>) {
        self.pops.retain(|(i, _)| *i != id);
        self.pops.push((id, at));
        self.say(false, format!("logged a pop of the upper back (pop {id})"));
        self.assess(now);
        if let ReportFrom::Call(call, shown_in) = from {
            let mine: Vec<Finding> =
                self.findings.iter().filter(|f| f.reason == care::Reason::Popping).cloned().collect();
            let advice = self.give_to_caller(&mine, shown_in, now);
            self.effects.push(Effect::Logged { call, result: Ok((id, advice)) });
        }
    }

    pub(super) fn report_failed(&mut self, from: ReportFrom, error: String, now: DateTime<Utc>) {
        match from {
            ReportFrom::Call(call, _) => self.effects.push(Effect::Logged { call, result: Err(error) }),
            ReportFrom::Notification => {
                self.saving = None;
                self.say(true, format!("can't store a discomfort report: {error}"));
                self.show(What::Info, conversation::not_logged(&error), None, now);
            }
        }
    }

    /// The advice a `Log` caller shows for its report, under the same limits as notifications:
    /// each piece is stored once, with where it was shown, and counts as given, so it is neither
    /// printed again on the next `log` nor shown again later within its repeat limit. This pass
    /// also puts it on screen, where it can be answered (and a warning sign stays until
    /// closed), if it may show now; the row then says both places.
    pub(super) fn give_to_caller(
        &mut self,
        mine: &[Finding],
        shown_in: ShownIn,
        now: DateTime<Utc>,
    ) -> Vec<(String, String)> {
        let rules = self.settings.care.clone();
        self.planner.state.care.prune(now);
        let due = self.planner.state.care.due(&rules, mine, now);
        let mut given = Vec::new();
        for finding in due {
            let (summary, body) = advice::text(&finding);
            self.planner.state.care.gave(&finding, now);
            let row = self.next_advice_row;
            self.next_advice_row += 1;
            given.push((summary.clone(), body.clone()));
            self.copies.push((row, finding.clone()));
            self.record(Record::Advice { row, at: now, finding, summary, body, shown_in });
        }
        given
    }

    /// Looks at the reports again: after a report, a reload, and when the day changes.
    pub(super) fn assess(&mut self, now: DateTime<Utc>) {
        let zone = self.planner.rules.zone;
        self.reports.retain(|r| now - r.at <= care::LOOKBACK);
        self.pops.retain(|(_, at)| now - *at <= care::POP_WINDOW + Duration::days(1));
        self.findings = care::assess(&self.settings.care, &self.reports, &zone, now);
        self.findings.extend(care::popping(&self.pops, &zone, now));
        self.planner.adapt = care::adapt(&self.settings.care, &self.reports, now);
        self.assessed_on = Some(zone.date(now));
    }

    /// Care advice due now, under its own limits; warning signs whatever else would hold them.
    pub(super) fn care(&mut self, now: DateTime<Utc>) {
        self.care_retry_at = None;
        // Even without reports: the suggestions follow `care.exclusions` from the start.
        let zone = self.planner.rules.zone;
        // With nothing reported the assessment is the same every day (nothing found, the
        // exclusions kept), so the date need not be worked out at every pass.
        let nothing_logged = self.reports.is_empty() && self.pops.is_empty();
        let assessed = match self.assessed_on {
            Some(_) if nothing_logged => true,
            Some(day) => day == zone.date(now),
            None => false,
        };
        if !assessed {
            self.assess(now);
        }
        if self.reports.is_empty() && self.pops.is_empty() && self.findings.is_empty() {
            return;
        }
        let copies = std::mem::take(&mut self.copies);
        if self.findings.is_empty() || self.no_server(now) {
            return;
        }
        let rules = self.settings.care.clone();
        self.planner.state.care.prune(now);
        let due = self.planner.state.care.due(&rules, &self.findings, now);
        let p = &self.planner;
        let held = limits::check_quiet(&p.rules.limits, &p.state.limits, &zone, now).err();
        // Given to a caller already: shown too if it may show now, never later.
        let copies = copies.into_iter().map(|(row, f)| (Some(row), f));
        for (copy, f) in copies.chain(due.into_iter().map(|f| (None, f))) {
            if self.screen.showing_care(&f) {
                continue;
            }
            if !f.reason.is_warning() {
                if let Some(hold) = held {
                    if copy.is_none() {
                        let until = self.care_retry_at.map_or(hold.until, |t| t.min(hold.until));
                        self.care_retry_at = Some(until);
                    }
                    continue;
                }
                // Looked at again when the user is back, do-not-disturb ends or the
                // questions are answered: each is an input.
                if self.dnd || self.presence.is_away() || self.busy() || self.occupied(now).is_some() {
                    continue;
                }
            }
            let mut message = conversation::care(&f, self.settings.care_link.as_deref(), self.expire_std());
            if !self.server.as_ref().is_none_or(|s| s.actions) {
                message.actions.clear();
            }
            let row = copy.unwrap_or_else(|| {
                self.next_advice_row += 1;
                self.next_advice_row - 1
            });
            let (summary, body) = (message.summary.clone(), message.body.clone());
            let what = What::Care { row, finding: f, summary, body, copy: copy.is_some() };
            self.show(what, message, None, now);
        }
    }
}
