//! The engine: every decision the daemon makes, as one pure state machine driven by
//! `handle(input, now)` and woken at `next_wake(now)` — reminders and their limits, the button
//! conversation, care advice and its limits, what is on screen on which server, expiry,
//! retries, do-not-disturb, pause and snooze, presence, reload. It never does I/O: what it
//! decides comes out as `Effect`s for the daemon (or `plan`, or a test) to carry out.

pub mod conversation;
pub mod message;
mod screen;
mod simulate;
mod status;

#[cfg(test)]
mod soak;
#[cfg(test)]
mod tests;

use super::care::{self, CareRules, Finding, Logged, ShownIn};
use super::catalog::Catalog;
use super::limits::{self, HoldReason};
use super::planner::{Conditions, Event, Outcome, Planner, PlannerState, Reminder, Rules};
use super::presence::{Away, Busy, Presence};
use super::schedule::next_day_begins;
use super::{Area, Kind, Symptom, advice};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use conversation::{Answer, Stage};
use message::Message;
pub use screen::Leftover;
use screen::{Note, Screen, What};
pub use simulate::{Planned, simulate};
pub use status::{EngineStatus, Next};
use std::collections::BTreeSet;

/// What the engine needs from the config.
#[derive(Debug, Clone)]
pub struct Settings {
    pub rules: Rules,
    pub catalog: Catalog,
    pub care: CareRules,
    /// Where "Open" on routine care advice leads, if anywhere.
    pub care_link: Option<String>,
    /// What the Snooze button defers by, and how it reads on the button ("15m").
    pub snooze: Duration,
    pub snooze_label: String,
    /// An unanswered notification closes after this.
    pub expire: Duration,
    /// A locked screen or a sleeping machine counts as a break.
    pub lock_counts_as_break: bool,
    /// No routine prompt this soon after being busy ends.
    pub after_busy: Duration,
    /// No routine prompt this soon after unlocking.
    pub after_unlock: Duration,
}

/// Where a stored report came from, so its answer goes back the right way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFrom {
    /// The notification conversation.
    Notification,
    /// A `Log` call; the number tells the caller's reply apart, and the caller shows the
    /// advice it is answered with (in the terminal, or another program's window).
    Call(u64, ShownIn),
}

/// A report for the daemon to store, from the notification conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    pub at: DateTime<Utc>,
    pub area: Area,
    pub severity: u8,
    pub symptoms: Vec<Symptom>,
}

/// Everything that can happen to the daemon, as plain values.
#[derive(Debug, Clone)]
pub enum Input {
    /// A timer fired; look at what is due.
    Tick,
    /// The wall clock was set (or the machine woke): timers may be far off.
    ClockChanged,
    /// A notification server owns the well-known name now, under this unique name.
    ServerUp {
        name: String,
        /// "dunst 1.9.0", for status.
        label: String,
        actions: bool,
        dnd: bool,
    },
    ServerGone {
        name: String,
    },
    /// A `Show` was delivered: the server `server` gave it id `id`.
    Shown {
        note: u64,
        server: String,
        id: u32,
    },
    /// A `Show` could not be delivered.
    NotShown {
        note: u64,
        error: String,
    },
    /// `ActionInvoked`, from the unique name `server`.
    Action {
        server: String,
        id: u32,
        key: String,
    },
    /// `NotificationClosed`, from the unique name `server`.
    Closed {
        server: String,
        id: u32,
        reason: u32,
    },
    /// The server's do-not-disturb changed.
    Dnd(bool),
    Away {
        cause: Away,
        since: DateTime<Utc>,
    },
    Back {
        cause: Away,
    },
    /// Busy by `cause` began (`on`) or ended: the camera, an idle inhibitor, full screen.
    Busy {
        cause: Busy,
        on: bool,
    },
    /// `postured pause`: until then, or until the next day begins.
    Pause(Option<DateTime<Utc>>),
    Resume,
    /// `postured snooze`.
    Snooze(DateTime<Utc>),
    /// A report was stored (by the conversation's `StoreReport`, or a `Log` call).
    ReportStored {
        from: ReportFrom,
        report: Logged,
    },
    ReportFailed {
        from: ReportFrom,
        error: String,
    },
    /// A self-reported pop of the upper back was stored (by `StorePop`, or a `LogPop` call);
    /// a pop that could not be stored comes back as `ReportFailed`.
    PopStored {
        from: ReportFrom,
        id: i64,
        at: DateTime<Utc>,
    },
    /// A reloaded config.
    Settings(Box<Settings>),
    /// SIGTERM: tidy the screen before exiting.
    Shutdown,
}

/// What the daemon is to do, as plain values, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send `message` to the server with unique name `server`, replacing its notification
    /// `replaces` if given; answer with `Shown` or `NotShown` for `note`.
    Show {
        note: u64,
        server: String,
        replaces: Option<u32>,
        message: Message,
    },
    Close {
        server: String,
        id: u32,
    },
    Store(Record),
    /// Store a report from the conversation; answer with `ReportStored` or `ReportFailed`.
    StoreReport(NewReport),
    /// Store a pop from the self-mobilisation reminder's button; answer with `PopStored` or
    /// `ReportFailed`.
    StorePop {
        at: DateTime<Utc>,
    },
    /// Open the care link in the user's browser.
    OpenLink(String),
    /// A reminder held back, for the log and `plan`.
    Held {
        at: DateTime<Utc>,
        kind: Kind,
        reason: HoldReason,
        until: DateTime<Utc>,
        dropped: bool,
    },
    /// Something worth a line in the journal.
    Say {
        warn: bool,
        text: String,
    },
    /// The answer to a `Log` call.
    Logged {
        call: u64,
        result: Result<(i64, Vec<(String, String)>), String>,
    },
}

/// A row for the store; the engine numbers rows itself so effects need no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Shown {
        row: i64,
        reminder: Reminder,
        body: String,
    },
    Outcome {
        row: i64,
        outcome: Outcome,
        at: DateTime<Utc>,
    },
    Advice {
        row: i64,
        at: DateTime<Utc>,
        finding: Finding,
        summary: String,
        body: String,
        shown_in: ShownIn,
    },
    /// Advice stored as given elsewhere was shown in another place too.
    AdviceAlsoShown {
        row: i64,
        shown_in: ShownIn,
    },
    AdviceOutcome {
        row: i64,
        outcome: &'static str,
        at: DateTime<Utc>,
    },
    NaturalBreak {
        kind: Kind,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        causes: String,
    },
    State(Box<PlannerState>),
}

/// The notification server in use.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    pub name: String,
    pub label: String,
    pub actions: bool,
}

/// Past the notification's own expiry before we close it ourselves: some servers ignore it.
const EXPIRY_GRACE: Duration = Duration::seconds(2);
const RETRY_FIRST: Duration = Duration::seconds(2);
const RETRY_MAX: Duration = Duration::minutes(5);

#[derive(Debug, Clone)]
pub struct Engine {
    settings: Settings,
    pub planner: Planner,
    reports: Vec<Logged>,
    /// Self-reported pops of the upper back (id, when), as far back as the care rules look.
    pops: Vec<(i64, DateTime<Utc>)>,
    findings: Vec<Finding>,
    assessed_on: Option<NaiveDate>,
    presence: Presence,
    /// The ways the user is busy now.
    occupied: BTreeSet<Busy>,
    /// Until when routine prompts keep waiting after being busy or after unlocking, and why.
    settling: Option<(DateTime<Utc>, HoldReason)>,
    dnd: bool,
    server: Option<Server>,
    retry_at: Option<DateTime<Utc>>,
    retry_delay: Duration,
    care_retry_at: Option<DateTime<Utc>>,
    screen: Screen,
    /// A report from the conversation being stored: reminders wait for it.
    saving: Option<(i64, Area, u8)>,
    /// Notifications a previous run left on screen, until a server says what became of them.
    leftovers: Vec<Leftover>,
    next_reminder_row: i64,
    next_advice_row: i64,
    /// Advice just given to a `Log` caller, for this pass to show on screen as well.
    copies: Vec<(i64, Finding)>,
    effects: Vec<Effect>,
    saved: PlannerState,
    /// `false` for a dry run (`plan`): nothing is saved, so the state need not be compared.
    persist: bool,
}

impl Engine {
    /// An engine on the stored state and reports. Row numbers continue after the store's.
    pub fn new(
        settings: Settings,
        state: PlannerState,
        reports: Vec<Logged>,
        last_rows: (i64, i64),
    ) -> Engine {
        let planner = Planner::new(settings.rules.clone(), settings.catalog.clone(), state.clone());
        Engine {
            settings,
            planner,
            reports,
            pops: Vec::new(),
            findings: Vec::new(),
            assessed_on: None,
            presence: Presence::default(),
            occupied: BTreeSet::new(),
            settling: None,
            dnd: false,
            server: None,
            retry_at: None,
            retry_delay: RETRY_FIRST,
            care_retry_at: None,
            screen: Screen::default(),
            saving: None,
            leftovers: state.on_screen.clone(),
            next_reminder_row: last_rows.0 + 1,
            next_advice_row: last_rows.1 + 1,
            copies: Vec::new(),
            effects: Vec::new(),
            saved: state,
            persist: true,
        }
    }

    /// The stored pops (id, when) the popping note looks at.
    pub fn with_pops(mut self, pops: Vec<(i64, DateTime<Utc>)>) -> Engine {
        self.pops = pops;
        self
    }

    /// An engine whose state is never saved: for `plan`, which only looks ahead.
    pub fn dry_run(mut self) -> Engine {
        self.persist = false;
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn server(&self) -> Option<&Server> {
        self.server.as_ref()
    }

    pub fn dnd(&self) -> bool {
        self.dnd
    }

    pub fn presence(&self) -> &Presence {
        &self.presence
    }

    /// Takes one input and returns what to do, in order.
    pub fn handle(&mut self, input: Input, now: DateTime<Utc>) -> Vec<Effect> {
        match input {
            Input::Tick => {}
            Input::ClockChanged => {
                self.planner.clock_changed(now);
                self.assessed_on = None;
            }
            Input::ServerUp { name, label, actions, dnd } => self.server_up(name, label, actions, dnd, now),
            Input::ServerGone { name } => self.server_gone(&name, now),
            Input::Shown { note, server, id } => self.shown(note, server, id, now),
            Input::NotShown { note, error } => self.not_shown(note, &error, now),
            Input::Action { server, id, key } => self.action(&server, id, &key, now),
            Input::Closed { server, id, reason } => self.closed(&server, id, reason, now),
            Input::Dnd(on) => {
                if on != self.dnd {
                    let what = if on { "on: reminders wait" } else { "off" };
                    self.say(false, format!("do-not-disturb {what}"));
                }
                self.dnd = on;
            }
            Input::Away { cause, since } => {
                if !self.presence.causes().contains(&cause) {
                    self.say(false, format!("away: {cause}"));
                }
                self.presence.begin(cause, since.min(now));
            }
            Input::Back { cause } => self.back(cause, now),
            Input::Busy { cause, on } => self.set_busy(cause, on, now),
            Input::Pause(until) => {
                let (zone, day_starts) = (self.planner.rules.zone, self.planner.rules.limits.day_starts);
                let until = until.unwrap_or_else(|| next_day_begins(&zone, day_starts, now));
                self.planner.pause(until);
            }
            Input::Resume => self.planner.resume(now),
            Input::Snooze(until) => {
                self.planner.snooze_all(until);
                if let Some(note) = self.screen.take_reminder_at(Stage::Reminder) {
                    self.end_reminder_note(note, Some(Outcome::Snoozed), true, now, Some(until));
                }
            }
            Input::ReportStored { from, report } => self.report_stored(from, report, now),
            Input::ReportFailed { from, error } => self.report_failed(from, error, now),
            Input::PopStored { from, id, at } => self.pop_stored(from, id, at, now),
            Input::Settings(settings) => {
                self.planner.reload(settings.rules.clone(), settings.catalog.clone(), now);
                self.settings = *settings;
                self.assessed_on = None;
                self.care_retry_at = None;
            }
            Input::Shutdown => {
                self.shutdown(now);
                self.save_if_changed();
                return std::mem::take(&mut self.effects);
            }
        }
        self.pass(now);
        std::mem::take(&mut self.effects)
    }

    /// The next instant something is due, strictly after `now`; `None` when only an input
    /// can change anything.
    pub fn next_wake(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let care = &self.planner.state.care;
        let day_change = (!self.reports.is_empty() || !self.pops.is_empty()).then(|| {
            let limits = &self.planner.rules.limits;
            next_day_begins(&self.planner.rules.zone, limits.day_starts, now)
        });
        [
            self.planner.next_wake(now),
            self.screen.next_expiry(),
            self.retry_at,
            self.care_retry_at,
            self.settling.map(|(t, _)| t),
            (!self.findings.is_empty()).then(|| care.next_change(&self.settings.care, now)).flatten(),
            day_change,
        ]
        .into_iter()
        .flatten()
        .filter(|t| *t > now)
        .min()
    }

    /// Whether a question of ours is being answered (or its report stored).
    fn busy(&self) -> bool {
        self.saving.is_some() || self.screen.in_conversation() || self.screen.sending_reminder()
    }

    /// What holds routine prompts because the user is busy or has just come back from being
    /// busy or from unlocking, if anything.
    fn occupied(&self, now: DateTime<Utc>) -> Option<HoldReason> {
        if !self.occupied.is_empty() {
            return Some(HoldReason::Busy);
        }
        self.settling.filter(|(t, _)| now < *t).map(|(_, reason)| reason)
    }

    /// Routine prompts wait until at least `until`.
    fn settle(&mut self, until: DateTime<Utc>, reason: HoldReason, now: DateTime<Utc>) {
        let current = self.settling.filter(|(t, _)| *t > now);
        if until > now && current.is_none_or(|(t, _)| until > t) {
            self.settling = Some((until, reason));
        }
    }

    fn set_busy(&mut self, cause: Busy, on: bool, now: DateTime<Utc>) {
        if on {
            if self.occupied.insert(cause) {
                self.say(false, format!("busy: {cause}; routine reminders wait"));
            }
        } else if self.occupied.remove(&cause) {
            if self.occupied.is_empty() {
                self.say(false, format!("no longer busy ({cause} ended)"));
                self.settle(now + self.settings.after_busy, HoldReason::Busy, now);
            } else {
                self.say(false, format!("{cause} ended; still busy"));
            }
        }
    }

    fn no_server(&self, now: DateTime<Utc>) -> bool {
        self.server.is_none() || self.retry_at.is_some_and(|t| now < t)
    }

    fn say(&mut self, warn: bool, text: String) {
        self.effects.push(Effect::Say { warn, text });
    }

    fn record(&mut self, r: Record) {
        self.effects.push(Effect::Store(r));
    }

    fn close(&mut self, note: &Note) {
        if let Some(id) = note.id {
            self.effects.push(Effect::Close { server: note.server.clone(), id });
        }
    }

    fn show(&mut self, what: What, message: Message, replaces: Option<u32>, now: DateTime<Utc>) -> bool {
        let Some(server) = self.server.clone() else { return false };
        let expires_at = (!message.expire.is_zero())
            .then(|| now + Duration::from_std(message.expire).unwrap_or(Duration::MAX / 4) + EXPIRY_GRACE);
        let note = self.screen.add(server.name.clone(), what, expires_at);
        self.effects.push(Effect::Show { note, server: server.name, replaces, message });
        true
    }

    /// What every input ends with: expiry, the planner, care advice, saving.
    fn pass(&mut self, now: DateTime<Utc>) {
        if self.retry_at.is_some_and(|t| now >= t) {
            self.retry_at = None;
        }
        if self.settling.is_some_and(|(t, _)| now >= t) {
            self.settling = None;
        }
        self.expire(now);
        self.remind(now);
        self.care(now);
        self.save_if_changed();
    }

    fn save_if_changed(&mut self) {
        if !self.persist {
            return;
        }
        let mut on_screen = self.screen.leftovers();
        on_screen.extend(self.leftovers.iter().cloned());
        self.planner.state.on_screen = on_screen;
        if self.planner.state != self.saved {
            self.saved = self.planner.state.clone();
            self.record(Record::State(Box::new(self.saved.clone())));
        }
    }

    fn expire(&mut self, now: DateTime<Utc>) {
        for note in self.screen.take_expired(now) {
            self.close(&note);
            match note.what {
                What::Reminder { row, stage, .. } => {
                    let outcome =
                        if stage == Stage::Reminder { Outcome::Expired } else { Outcome::Abandoned };
                    self.reminder_outcome(row, outcome, stage == Stage::Reminder, now);
                }
                What::Care { row, .. } => {
                    self.record(Record::AdviceOutcome { row, outcome: "expired", at: now });
                }
                What::Info => {}
            }
        }
    }

    fn reminder_outcome(&mut self, row: i64, outcome: Outcome, counts: bool, now: DateTime<Utc>) {
        self.record(Record::Outcome { row, outcome, at: now });
        if counts {
            self.planner.outcome(outcome, now);
        }
    }

    /// The planner's step under what the desktop says, and the reminder it decides on.
    fn remind(&mut self, now: DateTime<Utc>) {
        let conditions = Conditions {
            dnd: self.dnd,
            away: self.presence.is_away(),
            busy: self.busy(),
            no_server: self.no_server(now),
            occupied: self.occupied(now),
        };
        // Kinds that waited while the user was busy or settling: when one of them comes, the
        // others start over rather than following it one by one.
        let waited: Vec<Kind> = self
            .planner
            .state
            .held
            .iter()
            .filter(|(_, r)| matches!(r, HoldReason::Busy | HoldReason::AfterUnlock))
            .map(|(k, _)| *k)
            .collect();
        for event in self.planner.step_with(now, conditions) {
            match event {
                Event::Fired(r) => {
                    if conditions.occupied.is_none() && waited.contains(&r.kind) {
                        let others: Vec<Kind> = waited.iter().copied().filter(|k| *k != r.kind).collect();
                        self.planner.start_over(&others, now);
                    }
                    self.show_reminder(r, now)
                }
                Event::Held { at, kind, reason, until, dropped } => {
                    self.effects.push(Effect::Held { at, kind, reason, until, dropped });
                }
            }
        }
    }

    fn show_reminder(&mut self, r: Reminder, now: DateTime<Utc>) {
        let with_buttons = self.server.as_ref().is_none_or(|s| s.actions);
        let message =
            conversation::reminder(&r, with_buttons, &self.settings.snooze_label, self.expire_std());
        // One reminder on screen, replaced in place: the one there was not answered in time.
        let mut replaces = None;
        if let Some(old) = self.screen.take_reminder_at(Stage::Reminder) {
            if let What::Reminder { row, .. } = old.what {
                self.reminder_outcome(row, Outcome::Expired, true, now);
            }
            replaces = old.id.filter(|_| self.server.as_ref().is_some_and(|s| s.name == old.server));
        }
        let entry = r.entry.as_deref().and_then(|e| self.planner.catalog.get(e));
        // The self-mobilisation can say it popped; Done stays the plain click.
        let message = if with_buttons && entry.is_some_and(|e| e.self_mobilisation) {
            conversation::with_pop_button(message)
        } else {
            message
        };
        let targets = entry.map(|e| e.areas.clone());
        let areas = conversation::areas_to_offer(&targets.unwrap_or_default(), &self.recent_areas(now));
        let row = self.next_reminder_row;
        self.next_reminder_row += 1;
        let body = message.body.clone();
        let what = What::Reminder { row, reminder: r, stage: Stage::Reminder, areas, delivered: false, body };
        self.show(what, message, replaces, now);
    }

    fn expire_std(&self) -> std::time::Duration {
        self.settings.expire.to_std().unwrap_or_default()
    }

    fn recent_areas(&self, now: DateTime<Utc>) -> Vec<Area> {
        let mut recent: Vec<&Logged> =
            self.reports.iter().filter(|r| r.at <= now && now - r.at < Duration::days(14)).collect();
        recent.sort_by_key(|r| std::cmp::Reverse((r.at, r.id)));
        let mut areas: Vec<Area> = Vec::new();
        for r in recent {
            if !areas.contains(&r.area) {
                areas.push(r.area);
            }
        }
        areas
    }

    fn shown(&mut self, key: u64, server: String, id: u32, now: DateTime<Utc>) {
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

    fn not_shown(&mut self, key: u64, error: &str, now: DateTime<Utc>) {
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

    fn server_up(&mut self, name: String, label: String, actions: bool, dnd: bool, now: DateTime<Utc>) {
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

    fn server_gone(&mut self, name: &str, now: DateTime<Utc>) {
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
    fn end_leftovers(&mut self, leftovers: Vec<Leftover>, same: bool, now: DateTime<Utc>) {
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

    fn action(&mut self, server: &str, id: u32, key: &str, now: DateTime<Utc>) {
        // Only the server that showed it can answer it: ids are per server, and any client
        // can send a signal.
        let Some(note) = self.screen.take(server, id) else { return };
        let answer = conversation::read_action(key);
        match note.what.clone() {
            What::Reminder { row, reminder, stage, areas, .. } => {
                self.answer(note, row, reminder, stage, areas, answer, now);
            }
            What::Care { row, finding, .. } => {
                self.close(&note);
                let rules = self.settings.care.clone();
                let outcome = match answer {
                    Answer::Booked => {
                        self.planner.state.care.booked(&rules, finding.area, now);
                        "booked"
                    }
                    Answer::Later => {
                        self.planner.state.care.later(&rules, finding.area, now);
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

    #[allow(clippy::too_many_arguments)]
    fn answer(
        &mut self,
        note: Note,
        row: i64,
        reminder: Reminder,
        stage: Stage,
        areas: Vec<Area>,
        answer: Answer,
        now: DateTime<Utc>,
    ) {
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
                self.show(next(Stage::Area), conversation::ask_area(&areas, expire), None, now);
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
    fn end_reminder_note(
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

    fn closed(&mut self, server: &str, id: u32, reason: u32, now: DateTime<Utc>) {
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

    fn back(&mut self, cause: Away, now: DateTime<Utc>) {
        let Some(absence) = self.presence.end(cause, now) else { return };
        if absence.began.contains_key(&Away::Locked) {
            self.settle(now + self.settings.after_unlock, HoldReason::AfterUnlock, now);
        }
        let lock_counts = self.settings.lock_counts_as_break;
        let counts = |c: Away| lock_counts || !matches!(c, Away::Locked | Away::Asleep);
        if cause == Away::Asleep {
            self.planner.clock_changed(now);
        }
        let Some(from) = absence.counted_from(counts) else {
            self.say(false, format!("back ({}); the time away does not count as a break", absence.causes()));
            return;
        };
        let rested = self.planner.away(from, now);
        let minutes = (now - from).num_seconds() as f64 / 60.0;
        if rested.is_empty() {
            self.say(
                false,
                format!("back after {minutes:.1} min ({}): too short for a break", absence.causes()),
            );
            return;
        }
        for kind in &rested {
            self.record(Record::NaturalBreak { kind: *kind, from, to: now, causes: absence.causes() });
        }
        let kinds: Vec<&str> = rested.iter().map(|k| k.as_str()).collect();
        self.say(
            false,
            format!(
                "back after {minutes:.1} min ({}): a natural break; restarted the {} timers",
                absence.causes(),
                kinds.join(", ")
            ),
        );
    }

    fn report_stored(&mut self, from: ReportFrom, report: Logged, now: DateTime<Utc>) {
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

    fn pop_stored(&mut self, from: ReportFrom, id: i64, at: DateTime<Utc>, now: DateTime<Utc>) {
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

    fn report_failed(&mut self, from: ReportFrom, error: String, now: DateTime<Utc>) {
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
    fn give_to_caller(
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
    fn assess(&mut self, now: DateTime<Utc>) {
        let zone = self.planner.rules.zone;
        self.reports.retain(|r| now - r.at <= care::LOOKBACK);
        self.pops.retain(|(_, at)| now - *at <= care::POP_WINDOW + Duration::days(1));
        self.findings = care::assess(&self.settings.care, &self.reports, &zone, now);
        self.findings.extend(care::popping(&self.pops, &zone, now));
        self.planner.adapt = care::adapt(&self.settings.care, &self.reports, now);
        self.assessed_on = Some(zone.date(now));
    }

    /// Care advice due now, under its own limits; warning signs whatever else would hold them.
    fn care(&mut self, now: DateTime<Utc>) {
        self.care_retry_at = None;
        // Even without reports: the suggestions follow `care.exclusions` from the start.
        let zone = self.planner.rules.zone;
        if self.assessed_on != Some(zone.date(now)) {
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

    fn shutdown(&mut self, now: DateTime<Utc>) {
        for note in self.screen.take_all() {
            match &note.what {
                // Warning-sign advice stays for the user to read and close.
                What::Care { finding, .. } if finding.reason.is_warning() => continue,
                What::Care { row, .. } if note.id.is_some() => {
                    let row = *row;
                    self.record(Record::AdviceOutcome { row, outcome: "shutdown", at: now });
                }
                What::Reminder { row, delivered: true, .. } => {
                    let row = *row;
                    self.record(Record::Outcome { row, outcome: Outcome::Shutdown, at: now });
                }
                _ => {}
            }
            self.close(&note);
        }
        if let Some((row, ..)) = self.saving.take() {
            self.record(Record::Outcome { row, outcome: Outcome::Abandoned, at: now });
        }
    }
}
