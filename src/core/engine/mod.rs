//! The engine: every decision the daemon makes, as one pure state machine driven by
//! `handle(input, now)` and woken at `next_wake(now)` — reminders and their limits, the button
//! conversation, care advice and its limits, what is on screen on which server, expiry,
//! retries, do-not-disturb, pause and snooze, presence, reload. It never does I/O: what it
//! decides comes out as `Effect`s for the daemon (or `plan`, or a test) to carry out.

mod answers;
mod care_advice;
pub mod conversation;
mod delivery;
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
    /// The ways of being busy that hold routine prompts; the others are followed but ignored,
    /// so a reload that turns one on again knows at once whether it applies.
    pub busy_when: BTreeSet<Busy>,
    /// How long `postured toggle` pauses.
    pub toggle_pause: Duration,
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
    /// `postured toggle`: resume when paused, otherwise pause for `toggle_pause`.
    Toggle,
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
    /// The ways the user is busy now, as the sources say (whether `busy_when` counts them or
    /// not: see `busy_causes`).
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
            Input::Toggle if self.planner.state.limits.paused_until.is_some_and(|u| u > now) => {
                self.planner.resume(now);
            }
            Input::Toggle => self.planner.pause(now + self.settings.toggle_pause),
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
                let was_busy = self.busy_causes().next().is_some();
                self.settings = *settings;
                let busy_now = self.busy_causes().next();
                match (was_busy, busy_now) {
                    // Turned off by the user: no grace, they asked for reminders through it.
                    (true, None) => self.say(false, "no longer busy (session.busy_when changed)".to_owned()),
                    (false, Some(cause)) => self.say(false, format!("busy: {cause}; routine reminders wait")),
                    _ => {}
                }
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
        if self.busy_causes().next().is_some() {
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

    /// The ways the user is busy now that `busy_when` counts.
    fn busy_causes(&self) -> impl Iterator<Item = Busy> + '_ {
        self.occupied.iter().copied().filter(|c| self.settings.busy_when.contains(c))
    }

    fn set_busy(&mut self, cause: Busy, on: bool, now: DateTime<Utc>) {
        let changed = if on { self.occupied.insert(cause) } else { self.occupied.remove(&cause) };
        if !changed || !self.settings.busy_when.contains(&cause) {
            return;
        }
        if on {
            self.say(false, format!("busy: {cause}; routine reminders wait"));
        } else if self.busy_causes().next().is_none() {
            self.say(false, format!("no longer busy ({cause} ended)"));
            self.settle(now + self.settings.after_busy, HoldReason::Busy, now);
        } else {
            self.say(false, format!("{cause} ended; still busy"));
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
