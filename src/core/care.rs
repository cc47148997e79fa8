//! Care rules: when logged discomfort should point to a professional (warning signs, a severe
//! report, worsening, recurrence, persistence), and which advice is due now under its own limits.

use super::area::Area;
use super::symptom::{self, Symptom, Urgency};
use super::zone::Zone;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The thresholds, from `[care]` in the config (defaults and their grounds in default.toml).
#[derive(Debug, Clone, PartialEq)]
pub struct CareRules {
    /// Reports below this severity do not count towards recurrence, persistence or worsening.
    pub counts_from: u8,
    /// Recurrence: reports in one area on this many distinct days…
    pub recurrence_days: u32,
    /// …within this window.
    pub recurrence_window: Duration,
    /// Persistence: one area reported across longer than this without easing.
    pub persistence: Duration,
    /// Worsening: a rise of this many points…
    pub worsening_step: u8,
    /// …from the first to the latest report within this window (at least three reports).
    pub worsening_window: Duration,
    /// One report at or above this is severe.
    pub severe: u8,
    /// Routine advice for the same area is not repeated within this, unless the reason is
    /// stronger than last time.
    pub repeat_after: Duration,
    /// "I've booked or seen someone" quiets routine advice for that area this long.
    pub booked_quiet: Duration,
    /// "Remind me later" brings routine advice back after this.
    pub remind_later: Duration,
    /// After a warning sign, that area gets no stretches, and no one gets the upper-back
    /// self-mobilisation, for this long.
    pub warning_pause: Duration,
    /// RC1: this many separate episodes within 12 months suggest a prevention plan.
    pub episodes: u32,
    /// Conditions the user has (`care.exclusions`): no self-mobilisation, and no entry whose
    /// cautions name one of them.
    pub exclusions: Vec<super::Exclusion>,
}

impl Default for CareRules {
    fn default() -> Self {
        CareRules {
            counts_from: 2,
            recurrence_days: 5,
            recurrence_window: Duration::days(14),
            persistence: Duration::days(28),
            worsening_step: 2,
            worsening_window: Duration::days(14),
            severe: 7,
            repeat_after: Duration::days(7),
            booked_quiet: Duration::days(28),
            remind_later: Duration::days(1),
            warning_pause: Duration::hours(48),
            episodes: 3,
            exclusions: Vec::new(),
        }
    }
}

/// A discomfort report as the rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// When it was logged; later than `at` for a backdated report.
    pub logged_at: DateTime<Utc>,
    pub area: Area,
    pub severity: u8,
    pub symptoms: Vec<Symptom>,
}

/// Why care advice was given. Ordered from weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Frequent self-reported pops of the upper back: one non-judgemental note (§4.2.4).
    Popping,
    Severe,
    /// RC1: separate episodes within 12 months: a prevention plan.
    Episodes,
    /// Two severe reports within a week.
    SevereRepeat,
    /// F1: it disturbs sleep or stopped normal activities.
    Function,
    /// Wrist numbness or tingling lasting two weeks, or waking one at night.
    Numbness,
    Recurrence,
    Worsening,
    Persistence,
    /// A warning sign: contact a doctor today.
    WarningToday,
    /// A warning sign: seek urgent help now.
    WarningNow,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Popping => "popping",
            Reason::Severe => "severe",
            Reason::Episodes => "episodes",
            Reason::SevereRepeat => "severe_repeat",
            Reason::Function => "function",
            Reason::Numbness => "numbness",
            Reason::Recurrence => "recurrence",
            Reason::Worsening => "worsening",
            Reason::Persistence => "persistence",
            Reason::WarningToday => "warning_today",
            Reason::WarningNow => "warning_now",
        }
    }

    pub fn is_warning(self) -> bool {
        matches!(self, Reason::WarningToday | Reason::WarningNow)
    }
}

/// Where a piece of advice was shown; each place it was shown is stored, and counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShownIn {
    /// A desktop notification of the daemon's.
    Notification,
    /// Printed by `postured log` in the terminal.
    Terminal,
    /// Returned to another program's `Log` call over D-Bus.
    Dbus,
}

impl ShownIn {
    pub fn as_str(self) -> &'static str {
        match self {
            ShownIn::Notification => "notification",
            ShownIn::Terminal => "terminal",
            ShownIn::Dbus => "dbus",
        }
    }
}

/// One piece of care advice the reports call for.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub area: Area,
    pub reason: Reason,
    /// The report that triggered it: the one with the warning sign, or the latest counted.
    pub report: i64,
    /// The reason in plain words: "neck discomfort logged on 5 of the last 14 days".
    pub why: String,
    pub symptoms: Vec<Symptom>,
    /// The earliest report (or pop) it rests on.
    pub since: DateTime<Utc>,
}

impl Logged {
    /// How recent the report is as news: a report backdated to last week but logged just now
    /// still deserves its warning-sign or severe advice now.
    fn news_at(&self) -> DateTime<Utc> {
        self.at.max(self.logged_at)
    }

    /// The most urgent warning tier among its symptoms, in its area; severe chest discomfort
    /// (at or above `care.severe`) is a warning sign of its own, since chest pain can come from
    /// the heart.
    pub fn urgency(&self, rules: &CareRules) -> Option<Urgency> {
        let chest = (self.area == Area::Chest && self.severity >= rules.severe).then_some(Urgency::Now);
        self.symptoms
            .iter()
            .filter(|s| !(self.night_numbness() && **s == Symptom::Night))
            .filter_map(|s| s.urgency_in(self.area))
            .chain(chest)
            .min()
    }

    /// Numbness or tingling in the wrists that wakes one at night: a reason to see a doctor or
    /// physical therapist, not a same-day warning sign.
    fn night_numbness(&self) -> bool {
        self.area == Area::Wrists
            && self.symptoms.contains(&Symptom::Tingling)
            && self.symptoms.contains(&Symptom::Night)
    }
}

/// A severe report still calls for advice this long after it was logged (so advice held by
/// quiet hours or a stopped daemon is not lost).
const SEVERE_FRESH: Duration = Duration::days(2);
/// S2: this many severe reports…
const SEVERE_REPEAT: usize = 2;
/// …within this many calendar days recommend booking.
const SEVERE_REPEAT_DAYS: Duration = Duration::days(7);
/// An episode ends after this many calendar days without a counted report in the area: the
/// next counted report, 31 or more dates later, starts a new one.
const EPISODE_GAP_DAYS: i64 = 30;
/// RC1 counts episodes on the last this many calendar days (12 months)…
const EPISODES_WINDOW: Duration = Duration::days(365);
/// F1 and night numbness hold this many calendar days after the report was logged.
const FUNCTION_FRESH: Duration = Duration::days(7);
/// Wrist numbness or tingling logged across this many calendar days (more than a couple of
/// weeks) points to a doctor or physical therapist.
const NUMBNESS_SPAN: Duration = Duration::days(14);
/// How far back the rules ever look; callers load this much history.
pub const LOOKBACK: Duration = Duration::days(400);

/// Everything the reports call for at `now`: a finding per report with a warning sign (within
/// the warning pause), and per area the strongest routine reason that holds.
pub fn assess(rules: &CareRules, reports: &[Logged], zone: &Zone, now: DateTime<Utc>) -> Vec<Finding> {
    let mut past: Vec<&Logged> = reports.iter().filter(|r| r.at <= now).collect();
    if past.is_empty() {
        // Every rule needs a report; the engine assesses every day, reports or not.
        return Vec::new();
    }
    past.sort_by_key(|r| (r.at, r.id));
    let mut findings = Vec::new();
    for r in past.iter().filter(|r| now - r.news_at() < rules.warning_pause) {
        if let Some(urgency) = r.urgency(rules) {
            let reason = match urgency {
                Urgency::Now => Reason::WarningNow,
                Urgency::Today => Reason::WarningToday,
            };
            let why = if r.symptoms.is_empty() {
                format!("{} discomfort at {}/10", r.area.modifier(), r.severity)
            } else {
                format!("{} with {} discomfort", symptom::list_words(&r.symptoms), r.area.modifier())
            };
            let symptoms = r.symptoms.clone();
            findings.push(Finding { area: r.area, reason, report: r.id, why, symptoms, since: r.at });
        }
    }
    // Where a warning sign stands, routine advice ("see someone if it lasts") would only
    // muddle the message.
    let warned: Vec<Area> = findings.iter().map(|f| f.area).collect();
    for area in Area::ALL.into_iter().filter(|a| !warned.contains(a)) {
        let mine: Vec<&Logged> = past.iter().copied().filter(|r| r.area == area).collect();
        let routine = [
            persistence(rules, area, &mine, zone, now),
            worsening(rules, &mine, zone, now),
            recurrence(rules, area, &mine, zone, now),
            numbness(&mine, zone, now),
            function(rules, &mine, zone, now),
            severe_repeat(rules, &mine, zone, now),
            episodes(rules, &mine, zone, now),
            severe(rules, &mine, now),
        ];
        if let Some(f) = routine.into_iter().flatten().next() {
            findings.push(f);
        }
    }
    // P1 and P2 on the upper body as a whole: discomfort that moves between the neck, the upper
    // back and the shoulders, unless one of them says as much (or more) on its own.
    let upper: Vec<&Logged> = past.iter().copied().filter(|r| Area::UPPER_BODY.contains(&r.area)).collect();
    let whole = persistence(rules, Area::UpperBody, &upper, zone, now)
        .or_else(|| recurrence(rules, Area::UpperBody, &upper, zone, now));
    if let Some(whole) = whole
        && !findings.iter().any(|f| Area::UPPER_BODY.contains(&f.area) && f.reason >= whole.reason)
    {
        findings.push(whole);
    }
    findings
}

/// What a rule's sentence is about: "neck discomfort", or for the upper body the areas that
/// made it, "upper-body discomfort (neck, shoulders)".
fn subject<'a>(area: Area, reports: impl IntoIterator<Item = &'a Logged>) -> String {
    if area != Area::UpperBody {
        return format!("{} discomfort", area.modifier());
    }
    let seen: BTreeSet<Area> = reports.into_iter().map(|r| r.area).collect();
    let names: Vec<&str> = seen.iter().map(|a| a.words()).collect();
    format!("upper-body discomfort ({})", names.join(", "))
}

/// Counted reports (in time order) split into episodes: a new one starts after more than
/// `EPISODE_GAP_DAYS` report-free calendar days.
fn split_episodes<'a, 'b>(zone: &Zone, counted: &'b [&'a Logged]) -> Vec<&'b [&'a Logged]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..counted.len() {
        if (zone.date(counted[i].at) - zone.date(counted[i - 1].at)).num_days() > EPISODE_GAP_DAYS {
            out.push(&counted[start..i]);
            start = i;
        }
    }
    if !counted.is_empty() {
        out.push(&counted[start..]);
    }
    out
}

/// F1: a counted report that says the discomfort disturbs sleep or stopped normal activities,
/// logged within the last week.
fn function(rules: &CareRules, mine: &[&Logged], zone: &Zone, now: DateTime<Utc>) -> Option<Finding> {
    let r = mine.iter().rev().find(|r| {
        r.severity >= rules.counts_from
            && r.symptoms.iter().any(|s| s.is_function())
            && within_days(zone, FUNCTION_FRESH, r.news_at(), now)
    })?;
    let ways: Vec<&str> = r
        .symptoms
        .iter()
        .filter_map(|s| match s {
            Symptom::Sleep => Some("disturbs sleep"),
            Symptom::Activities => Some("stopped normal activities"),
            _ => None,
        })
        .collect();
    let why = format!("{} that {}", subject(r.area, [*r]), ways.join(" and "));
    finding(r.area, Reason::Function, r, why, r.at)
}

/// Wrist numbness or tingling that wakes one at night (within the last week), or that has been
/// logged across two weeks or more of one episode.
fn numbness(mine: &[&Logged], zone: &Zone, now: DateTime<Utc>) -> Option<Finding> {
    let tingling: Vec<&Logged> = mine
        .iter()
        .copied()
        .filter(|r| r.area == Area::Wrists && r.symptoms.contains(&Symptom::Tingling))
        .collect();
    if let Some(r) = tingling
        .iter()
        .rev()
        .find(|r| r.night_numbness() && within_days(zone, FUNCTION_FRESH, r.news_at(), now))
    {
        return finding(
            r.area,
            Reason::Numbness,
            r,
            "wrist numbness or tingling that wakes you at night".into(),
            r.at,
        );
    }
    let episode = *split_episodes(zone, &tingling).last()?;
    let (first, last) = (episode.first()?, episode.last()?);
    if !within_days(zone, NUMBNESS_SPAN, last.news_at(), now) {
        return None;
    }
    let span = (zone.date(last.at) - zone.date(first.at)).num_days();
    (span >= whole_days(NUMBNESS_SPAN)).then_some(())?;
    let why = format!("wrist numbness or tingling logged across {}", weeks_words(span));
    finding(last.area, Reason::Numbness, last, why, first.at)
}

/// RC1: `care.episodes` separate episodes of counted reports within 12 months, the latest of
/// them going on (a report within the recurrence window): a prevention plan.
fn episodes(rules: &CareRules, mine: &[&Logged], zone: &Zone, now: DateTime<Utc>) -> Option<Finding> {
    let counted = counted_within(rules, mine, EPISODES_WINDOW, zone, now);
    let last = *counted.last()?;
    if !within_days(zone, rules.recurrence_window, last.at, now) {
        return None;
    }
    let n = split_episodes(zone, &counted).len();
    (n as u32 >= rules.episodes).then_some(())?;
    let why =
        format!("{} came back: {n} separate episodes in the last 12 months", subject(last.area, [last]));
    finding(last.area, Reason::Episodes, last, why, counted[0].at)
}

/// The findings one report takes part in: its own warning sign, and its area's routine advice.
/// This is what the user is told right after logging it, whatever the limits.
pub fn for_report(findings: &[Finding], report: &Logged) -> Vec<Finding> {
    findings
        .iter()
        .filter(|f| {
            if f.reason.is_warning() {
                f.report == report.id
            } else {
                f.area == report.area
                    || (f.area == Area::UpperBody && Area::UPPER_BODY.contains(&report.area))
            }
        })
        .cloned()
        .collect()
}

fn finding(
    area: Area,
    reason: Reason,
    report: &Logged,
    why: String,
    since: DateTime<Utc>,
) -> Option<Finding> {
    Some(Finding { area, reason, report: report.id, why, symptoms: Vec::new(), since })
}

fn severe(rules: &CareRules, mine: &[&Logged], now: DateTime<Utc>) -> Option<Finding> {
    let r = mine.iter().rev().find(|r| now - r.news_at() < SEVERE_FRESH && r.severity >= rules.severe)?;
    finding(
        r.area,
        Reason::Severe,
        r,
        format!("{} discomfort logged at {}/10", r.area.modifier(), r.severity),
        r.at,
    )
}

/// A window as whole calendar days (a part-day counts as a day; at least one).
pub fn whole_days(window: Duration) -> i64 {
    ((window.num_seconds() + 86_399) / 86_400).max(1)
}

/// Whether `at` falls on one of the last `window` calendar days in `zone`, today included:
/// "the last 14 days" are today and the 13 dates before it, whatever the hour.
/// The reports at or above `counts_from` within the last `window` of calendar days, in order.
fn counted_within<'a>(
    rules: &CareRules,
    mine: &[&'a Logged],
    window: Duration,
    zone: &Zone,
    now: DateTime<Utc>,
) -> Vec<&'a Logged> {
    mine.iter()
        .copied()
        .filter(|r| r.severity >= rules.counts_from && within_days(zone, window, r.at, now))
        .collect()
}

fn within_days(zone: &Zone, window: Duration, at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    (zone.date(now) - zone.date(at)).num_days() < whole_days(window)
}

/// How far apart two reports are, in words a person would use about their dates.
fn span_words(zone: &Zone, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    match (zone.date(to) - zone.date(from)).num_days() {
        0 => "within a day".to_owned(),
        1 => "from one day to the next".to_owned(),
        n => format!("over {n} days"),
    }
}

/// S2: a severe report again within a week (the latest still fresh, as for S1).
fn severe_repeat(rules: &CareRules, mine: &[&Logged], zone: &Zone, now: DateTime<Utc>) -> Option<Finding> {
    let last = mine.iter().rev().find(|r| now - r.news_at() < SEVERE_FRESH && r.severity >= rules.severe)?;
    let severe: Vec<&&Logged> = mine
        .iter()
        .filter(|r| r.severity >= rules.severe && r.at <= last.at)
        .filter(|r| (zone.date(last.at) - zone.date(r.at)).num_days() < whole_days(SEVERE_REPEAT_DAYS))
        .collect();
    let n = severe.len();
    (n >= SEVERE_REPEAT).then_some(())?;
    let why = format!(
        "{} discomfort logged at {}/10 or more {n} times within {} days",
        last.area.modifier(),
        rules.severe,
        whole_days(SEVERE_REPEAT_DAYS)
    );
    finding(last.area, Reason::SevereRepeat, last, why, severe[0].at)
}

fn recurrence(
    rules: &CareRules,
    area: Area,
    mine: &[&Logged],
    zone: &Zone,
    now: DateTime<Utc>,
) -> Option<Finding> {
    let counted = counted_within(rules, mine, rules.recurrence_window, zone, now);
    let days: BTreeSet<_> = counted.iter().map(|r| zone.date(r.at)).collect();
    let (first, last) = (counted.first()?, counted.last()?);
    (days.len() as u32 >= rules.recurrence_days).then_some(())?;
    // P1: not while it is easing by the meaningful step, first to latest.
    if last.severity + rules.worsening_step <= first.severity {
        return None;
    }
    let why = format!(
        "{} logged on {} of the last {} days",
        subject(area, counted.iter().copied()),
        days.len(),
        whole_days(rules.recurrence_window)
    );
    finding(area, Reason::Recurrence, last, why, first.at)
}

fn worsening(rules: &CareRules, mine: &[&Logged], zone: &Zone, now: DateTime<Utc>) -> Option<Finding> {
    // Every report of the series counts (as for recurrence and persistence): a rise from 0/10
    // is a rise from nothing to mild, not a worsening.
    let window = counted_within(rules, mine, rules.worsening_window, zone, now);
    let (first, last) = (window.first()?, window.last()?);
    if window.len() < 3 || last.severity < first.severity + rules.worsening_step {
        return None;
    }
    let why = format!(
        "{} discomfort rose from {}/10 to {}/10 {}",
        last.area.modifier(),
        first.severity,
        last.severity,
        span_words(zone, first.at, last.at)
    );
    finding(last.area, Reason::Worsening, last, why, first.at)
}

fn persistence(
    rules: &CareRules,
    area: Area,
    mine: &[&Logged],
    zone: &Zone,
    now: DateTime<Utc>,
) -> Option<Finding> {
    let counted: Vec<&Logged> = mine.iter().copied().filter(|r| r.severity >= rules.counts_from).collect();
    let episode = *split_episodes(zone, &counted).last()?;
    let (first, last) = (*episode.first()?, *episode.last()?);
    if (zone.date(now) - zone.date(last.at)).num_days() > EPISODE_GAP_DAYS {
        return None; // that episode is over
    }
    // P2: first to latest across at least `persistence`, in calendar days.
    let span = (zone.date(last.at) - zone.date(first.at)).num_days();
    let eased = last.severity + rules.worsening_step <= first.severity;
    if span < whole_days(rules.persistence) || eased {
        return None;
    }
    let why = format!(
        "{} logged across {} without easing",
        subject(area, episode.iter().copied()),
        weeks_words(span)
    );
    finding(area, Reason::Persistence, last, why, first.at)
}

/// "4 weeks", "4 weeks and 1 day", "9 days".
fn weeks_words(days: i64) -> String {
    let plural = |n: i64, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    match (days / 7, days % 7) {
        (0, d) => plural(d, "day"),
        (w, 0) => plural(w, "week"),
        (w, d) => format!("{} and {}", plural(w, "week"), plural(d, "day")),
    }
}

/// More than this many self-reported pops a day…
pub const POPS_PER_DAY: usize = 3;
/// …on this many days…
pub const POP_DAYS: usize = 5;
/// …of the last this many calendar days get one note…
pub const POP_WINDOW: Duration = Duration::days(14);
/// …at most once this often.
pub const POP_NOTE_EVERY: Duration = Duration::days(14);

/// The popping note: `pops` are (id, when) of self-reported pops of the upper back.
pub fn popping(pops: &[(i64, DateTime<Utc>)], zone: &Zone, now: DateTime<Utc>) -> Option<Finding> {
    let mut per_day: BTreeMap<chrono::NaiveDate, usize> = BTreeMap::new();
    let mut last: Option<&(i64, DateTime<Utc>)> = None;
    let mut first: Option<DateTime<Utc>> = None;
    for p in pops.iter().filter(|(_, at)| *at <= now && within_days(zone, POP_WINDOW, *at, now)) {
        *per_day.entry(zone.date(p.1)).or_default() += 1;
        first = Some(first.map_or(p.1, |f| f.min(p.1)));
        if last.is_none_or(|l| (p.1, p.0) > (l.1, l.0)) {
            last = Some(p);
        }
    }
    let days = per_day.values().filter(|n| **n > POPS_PER_DAY).count();
    (days >= POP_DAYS).then_some(())?;
    Some(Finding {
        area: Area::UpperBack,
        reason: Reason::Popping,
        report: last?.0,
        why: format!(
            "more than {POPS_PER_DAY} pops a day on {days} of the last {} days",
            whole_days(POP_WINDOW)
        ),
        symptoms: Vec::new(),
        since: first?,
    })
}

/// What care advice was given, and what the user said to it; persisted with the planner state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CareState {
    /// The last routine advice per area: when, and for which reason.
    pub given: BTreeMap<Area, (DateTime<Utc>, Reason)>,
    /// "I've booked or seen someone": routine advice for the area is quiet until then.
    pub booked_until: BTreeMap<Area, DateTime<Utc>>,
    /// "Remind me later".
    pub later_until: BTreeMap<Area, DateTime<Utc>>,
    /// Reports whose warning-sign advice was shown: each is shown once.
    pub warned: BTreeSet<i64>,
    /// When the popping note was last given: at most once every `POP_NOTE_EVERY`.
    pub popping_noted: Option<DateTime<Utc>>,
}

/// How many warned report ids are remembered; far more than a warning pause can hold.
const KEEP_WARNED: usize = 200;

impl CareState {
    /// The findings to show now. Warning signs pass every limit (only each report's own once);
    /// routine advice waits out "booked", "later" and its repeat limit, unless it got stronger.
    pub fn due(&self, rules: &CareRules, findings: &[Finding], now: DateTime<Utc>) -> Vec<Finding> {
        findings
            .iter()
            .filter(|f| {
                if f.reason.is_warning() {
                    return !self.warned.contains(&f.report);
                }
                if f.reason == Reason::Popping {
                    return self.popping_noted.is_none_or(|t| now >= t + POP_NOTE_EVERY);
                }
                let quiet = |m: &BTreeMap<Area, DateTime<Utc>>| m.get(&f.area).is_some_and(|u| *u > now);
                if quiet(&self.booked_until) || quiet(&self.later_until) {
                    return false;
                }
                match self.given.get(&f.area) {
                    Some((at, reason)) => now >= *at + rules.repeat_after || f.reason > *reason,
                    None => true,
                }
            })
            .cloned()
            .collect()
    }

    pub fn gave(&mut self, f: &Finding, now: DateTime<Utc>) {
        if f.reason == Reason::Popping {
            self.popping_noted = Some(now);
        } else if f.reason.is_warning() {
            self.warned.insert(f.report);
            while self.warned.len() > KEEP_WARNED {
                self.warned.pop_first();
            }
        } else {
            self.given.insert(f.area, (now, f.reason));
            self.later_until.remove(&f.area);
        }
    }

    pub fn booked(&mut self, rules: &CareRules, area: Area, now: DateTime<Utc>) {
        self.booked_until.insert(area, now + rules.booked_quiet);
        self.later_until.remove(&area);
    }

    /// Brings the advice back after `remind_later`, whatever its repeat limit says.
    pub fn later(&mut self, rules: &CareRules, area: Area, now: DateTime<Utc>) {
        self.later_until.insert(area, now + rules.remind_later);
        self.given.remove(&area);
    }

    /// The next instant a quieted or rate-limited piece of advice may become due again.
    pub fn next_change(&self, rules: &CareRules, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let given = self.given.values().map(|(at, _)| *at + rules.repeat_after);
        given
            .chain(self.popping_noted.map(|t| t + POP_NOTE_EVERY))
            .chain(self.booked_until.values().copied())
            .chain(self.later_until.values().copied())
            .filter(|t| *t > now)
            .min()
    }

    pub fn prune(&mut self, now: DateTime<Utc>) {
        self.booked_until.retain(|_, u| *u > now);
        self.later_until.retain(|_, u| *u > now);
    }
}

/// What recent reports change about suggestions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Adapt {
    /// Areas reported lately, most recent first: stretches for them are preferred.
    pub favoured: Vec<Area>,
    /// Symptoms reported lately per area: entries that list one in `avoid_with` are skipped.
    pub avoid: Vec<(Area, Symptom)>,
    /// Areas with a warning sign within the warning pause: no stretches for them.
    pub paused: Vec<Area>,
    /// No upper-back self-mobilisation: after a severe upper-back report or any warning sign.
    pub no_self_mobilisation: bool,
    /// `care.exclusions`: never the self-mobilisation, nor an entry whose cautions name one.
    pub excluded: Vec<super::Exclusion>,
}

/// How far back suggestions adapt to reports.
pub const ADAPT_WINDOW: Duration = Duration::days(7);

pub fn adapt(rules: &CareRules, reports: &[Logged], now: DateTime<Utc>) -> Adapt {
    let window = ADAPT_WINDOW.max(rules.warning_pause);
    let mut recent: Vec<&Logged> =
        reports.iter().filter(|r| r.at <= now && now - r.news_at() < window).collect();
    recent.sort_by_key(|r| std::cmp::Reverse((r.at, r.id)));
    let mut a = Adapt { excluded: rules.exclusions.clone(), ..Adapt::default() };
    for r in &recent {
        let warning = r.urgency(rules).is_some() && now - r.news_at() < rules.warning_pause;
        if warning && !a.paused.contains(&r.area) {
            a.paused.push(r.area);
        }
        if warning || (r.area == Area::UpperBack && r.severity >= rules.severe && now - r.at < ADAPT_WINDOW) {
            a.no_self_mobilisation = true;
        }
        if now - r.at >= ADAPT_WINDOW {
            continue;
        }
        // Chest discomfort is never a reason to pick a stretch (chest-opening stretches stay in
        // the rotation for posture).
        if r.severity >= rules.counts_from && r.area != Area::Chest && !a.favoured.contains(&r.area) {
            a.favoured.push(r.area);
        }
        for s in &r.symptoms {
            if !a.avoid.contains(&(r.area, *s)) {
                a.avoid.push((r.area, *s));
            }
        }
    }
    a
}

#[cfg(test)]
#[path = "care_tests.rs"]
mod tests;
