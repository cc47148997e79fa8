//! Delivery: what the engine does when a notification reached a server or did not, and when a
//! server comes or goes (its ids mean nothing after it), including what a previous run left.

use super::*;

impl Engine {
    pub(super) fn shown(&mut self, key: u64, server: String, id: u32, now: DateTime<Utc>) {
        let Some(note) = self.screen.delivered(key, &server, id) else { return };
        if self.retry_at.take().is_some() {
            self.say(false, "the notification server takes notifications again".to_owned());
        }
        self.retry_delay = RETRY_FIRST;
        match note {
            What::Reminder { row, reminder, stage: Stage::Reminder, body, delivered: false, .. } => {
                self.planner.delivered(&reminder, now);
                self.record(Record::Shown { row, reminder, body });
            }
            What::Care { row, finding, copy: true, .. } => {
                self.planner.state.care.gave(&finding, now);
                self.record(Record::AdviceAlsoShown { row, shown_in: ShownIn::Notification });
            }
            What::Care { row, finding, summary, body, copy: false } => {
                self.planner.state.care.gave(&finding, now);
                let what = if finding.reason.is_warning() { "warning-sign" } else { "routine" };
                self.say(
                    false,
                    format!(
                        "care advice ({what}, {}) for {}: {}",
                        finding.reason.as_str(),
                        finding.area,
                        finding.why
                    ),
                );
                let shown_in = ShownIn::Notification;
                self.record(Record::Advice { row, at: now, finding, summary, body, shown_in });
            }
            _ => {}
        }
    }

    pub(super) fn not_shown(&mut self, key: u64, error: &str, now: DateTime<Utc>) {
        let Some(note) = self.screen.remove(key) else { return };
        if self.retry_at.is_none() {
            self.say(
                true,
                format!("can't show a notification ({error}); trying again when the server takes one"),
            );
        }
        self.retry_at = Some(now + self.retry_delay);
        self.retry_delay = (self.retry_delay * 2).min(RETRY_MAX);
        if let What::Reminder { row, stage, delivered: true, .. } = note.what {
            // A step of the conversation: the reminder was seen, the questions are gone.
            let outcome = if stage == Stage::Reminder { Outcome::Lost } else { Outcome::Abandoned };
            self.record(Record::Outcome { row, outcome, at: now });
        }
    }

    pub(super) fn server_up(
        &mut self,
        name: String,
        label: String,
        actions: bool,
        dnd: bool,
        now: DateTime<Utc>,
    ) {
        if self.server.as_ref().is_some_and(|s| s.name != name) {
            let old = self.server.as_ref().map(|s| s.name.clone()).unwrap_or_default();
            self.server_gone(&old, now);
        }
        let buttons = if actions { "" } else { " (no buttons: log discomfort with `postured log`)" };
        if self.server.as_ref().is_none_or(|s| s.label != label || s.actions != actions) {
            self.say(false, format!("notification server: {label}{buttons}"));
        }
        self.server = Some(Server { name: name.clone(), label, actions });
        self.dnd = dnd;
        self.retry_at = None;
        self.retry_delay = RETRY_FIRST;
        // What a previous run left on screen: closed if its server is still this one, lost
        // with it otherwise.
        let (same, other): (Vec<Leftover>, Vec<Leftover>) =
            std::mem::take(&mut self.leftovers).into_iter().partition(|l| l.server == name);
        self.end_leftovers(same, true, now);
        self.end_leftovers(other, false, now);
    }

    pub(super) fn server_gone(&mut self, name: &str, now: DateTime<Utc>) {
        if self.server.as_ref().is_some_and(|s| s.name == name) {
            self.server = None;
            self.dnd = false;
            self.say(true, "the notification server went away; reminders wait until one is back".to_owned());
        }
        // Its notifications went with it, and no close will come for them; its ids mean
        // nothing from now on.
        for note in self.screen.take_server(name) {
            match note.what {
                What::Reminder { row, delivered: true, .. } => {
                    self.record(Record::Outcome { row, outcome: Outcome::Lost, at: now });
                }
                What::Care { row, finding, .. } if note.id.is_some() => {
                    self.record(Record::AdviceOutcome { row, outcome: "lost", at: now });
                    if finding.reason.is_warning() {
                        // Never seen to the end: shown again on the next server.
                        self.planner.state.care.warned.remove(&finding.report);
                    }
                }
                _ => {}
            }
        }
        let (gone, kept) = std::mem::take(&mut self.leftovers).into_iter().partition(|l| l.server == name);
        self.leftovers = kept;
        self.end_leftovers(gone, false, now);
    }

    /// Ends what a previous run left on screen: closed when its server is still the one in
    /// use (`same`), otherwise lost with its server.
    pub(super) fn end_leftovers(&mut self, leftovers: Vec<Leftover>, same: bool, now: DateTime<Utc>) {
        for left in leftovers {
            if same && !left.warning {
                self.effects.push(Effect::Close { server: left.server.clone(), id: left.id });
            }
            if let Some(row) = left.reminder_row {
                let outcome = if same { Outcome::Shutdown } else { Outcome::Lost };
                self.record(Record::Outcome { row, outcome, at: now });
            }
            if let Some(row) = left.advice_row.filter(|_| !left.warning) {
                let outcome = if same { "shutdown" } else { "lost" };
                self.record(Record::AdviceOutcome { row, outcome, at: now });
            }
        }
    }
}
