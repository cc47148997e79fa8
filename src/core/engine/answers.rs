//! Answers: a button or a close on one of our notifications, from the server that showed it,
//! and the step of the conversation it leads to.

use super::*;

impl Engine {
    pub(super) fn action(&mut self, server: &str, id: u32, key: &str, now: DateTime<Utc>) {
        // Only the server that showed it can answer it: ids are per server, and any client
        // can send a signal.
        let Some(note) = self.screen.take(server, id) else { return };
        let answer = conversation::read_action(key);
        match &note.what {
            What::Reminder { .. } => self.answer(note, answer, now),
            What::Care { row, finding, .. } => {
                let (row, area) = (*row, finding.area);
                self.close(&note);
                let rules = self.settings.care.clone();
                let outcome = match answer {
                    Answer::Booked => {
                        self.planner.state.care.booked(&rules, area, now);
                        "booked"
                    }
                    Answer::Later => {
                        self.planner.state.care.later(&rules, area, now);
                        "later"
                    }
                    Answer::OpenLink => match self.settings.care_link.clone() {
                        Some(link) => {
                            self.effects.push(Effect::OpenLink(link));
                            "opened"
                        }
                        None => "seen",
                    },
                    _ => "seen",
                };
                self.record(Record::AdviceOutcome { row, outcome, at: now });
            }
            What::Info => self.close(&note),
        }
    }

    /// `answer` on the reminder `note`, at whichever step of the conversation it is.
    pub(super) fn answer(&mut self, note: Note, answer: Answer, now: DateTime<Utc>) {
        let What::Reminder { row, ref reminder, stage, ref areas, .. } = note.what else { return };
        let expire = self.expire_std();
        // The next step is a new notification: a server that closes a notification after an
        // action (xfce4-notifyd, GNOME Shell) would otherwise close the question we just asked.
        let next = |stage: Stage| What::Reminder {
            row,
            reminder: reminder.clone(),
            stage,
            areas: areas.clone(),
            delivered: true,
            body: String::new(),
        };
        match (stage, answer) {
            (Stage::Reminder, Answer::Done) => {
                self.end_reminder_note(note, Some(Outcome::Done), true, now, None);
            }
            (Stage::Reminder, Answer::Popped) => {
                self.end_reminder_note(note, Some(Outcome::Done), true, now, None);
                self.effects.push(Effect::StorePop { at: now });
            }
            (Stage::Reminder, Answer::Snooze) => {
                let until = now + self.settings.snooze;
                self.end_reminder_note(note, Some(Outcome::Snoozed), true, now, Some(until));
            }
            (Stage::Reminder, Answer::StartLog) => {
                self.close(&note);
                // Engaging with a reminder is not ignoring it, whatever happens next.
                self.planner.outcome(Outcome::Logged, now);
                self.show(next(Stage::Area), conversation::ask_area(areas, expire), None, now);
            }
            (Stage::Area, Answer::Area(area)) => {
                self.close(&note);
                self.show(next(Stage::Severity(area)), conversation::ask_severity(area, expire), None, now);
            }
            (Stage::Severity(area), Answer::Severity(severity)) => {
                let severity = severity.min(10);
                self.close(&note);
                let message = conversation::ask_symptoms(area, severity, expire);
                self.show(next(Stage::Symptoms(area, severity)), message, None, now);
            }
            (Stage::Symptoms(area, severity), Answer::Symptom(None)) => {
                self.close(&note);
                let message = conversation::ask_function(area, severity, expire);
                self.show(next(Stage::Function(area, severity)), message, None, now);
            }
            // A warning sign is stored at once: its advice should not wait for another answer.
            (Stage::Symptoms(area, severity), Answer::Symptom(symptom))
            | (Stage::Function(area, severity), Answer::Function(symptom)) => {
                self.close(&note);
                self.saving = Some((row, area, severity));
                let symptoms = symptom.into_iter().collect();
                self.effects.push(Effect::StoreReport(NewReport { at: now, area, severity, symptoms }));
            }
            _ => {
                // A button this step does not have (a stale menu): keep the question open.
                self.screen.put_back(note);
            }
        }
    }

    /// Ends the reminder on screen with `outcome`, closing it. `snooze_until` brings the same
    /// suggestion back then.
    pub(super) fn end_reminder_note(
        &mut self,
        note: Note,
        outcome: Option<Outcome>,
        close: bool,
        now: DateTime<Utc>,
        snooze_until: Option<DateTime<Utc>>,
    ) {
        if close {
            self.close(&note);
        }
        if let What::Reminder { row, reminder, .. } = note.what {
            if let Some(outcome) = outcome {
                self.reminder_outcome(row, outcome, true, now);
            }
            if let Some(until) = snooze_until {
                self.planner.snooze_reminder(&reminder, until);
            }
        }
    }

    pub(super) fn closed(&mut self, server: &str, id: u32, reason: u32, now: DateTime<Utc>) {
        let Some(note) = self.screen.take(server, id) else { return };
        match note.what {
            What::Reminder { row, stage: Stage::Reminder, .. } => {
                // We stop tracking what we close ourselves, so a "closed by a call" here was
                // another client's doing.
                let outcome = conversation::closed_outcome(reason).unwrap_or(Outcome::Dismissed);
                self.reminder_outcome(row, outcome, true, now);
            }
            What::Reminder { row, .. } => {
                // Mid-way through logging: the reminder was seen, the report abandoned.
                self.record(Record::Outcome { row, outcome: Outcome::Abandoned, at: now });
            }
            What::Care { row, .. } => self.record(Record::AdviceOutcome { row, outcome: "closed", at: now }),
            What::Info => {}
        }
    }
}
