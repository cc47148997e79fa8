//! The notification budget, enforced here and nowhere else: pauses, quiet hours, caps per
//! hour and day, the minimum gap, per-kind cooldowns and per-exercise caps. Every "no" comes
//! with the limit that said it and the instant it lifts.

use super::kind::Kind;
use super::schedule::{WeekHours, day_began, next_day_begins};
use super::zone::Zone;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct LimitRules {
    pub max_per_hour: u32,
    pub max_per_day: u32,
    pub min_gap: Duration,
    pub quiet_hours: WeekHours,
    /// When the daily budget starts over, in wall time.
    pub day_starts: NaiveTime,
    pub cooldown: BTreeMap<Kind, Duration>,
    /// The same exercise is not suggested again within this time.
    pub no_repeat_within: Duration,
    pub self_mobilisation: ExerciseCap,
}

/// The cap on upper-back self-mobilisation ("popping"): a few times a day with hours between.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExerciseCap {
    pub per_day: u32,
    pub min_gap: Duration,
}

/// Why a reminder was held back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// The desktop is in do-not-disturb. Not a limit of ours, but held the same way.
    Dnd,
    /// The user is away: the screen is locked, the machine asleep or the user idle. The
    /// reminder waits for them without being rescheduled, and comes once when they are back.
    Away,
    /// No notification server can take it now (none running, or it failed): it waits,
    /// uncounted, for one.
    NoServer,
    /// A question of ours is open on screen; the reminder waits for it to be answered.
    Conversation,
    /// The user is busy (the camera in use, idle inhibited, full screen), or it ended less than
    /// `session.after_busy` ago: the reminder waits and comes once after that.
    Busy,
    /// The screen was unlocked less than `session.after_unlock` ago.
    AfterUnlock,
    Paused,
    /// `postured snooze`: everything but warning signs waits until then.
    Snoozed,
    QuietHours,
    DailyCap,
    HourlyCap,
    MinGap,
    Cooldown,
    /// For exercises: shown too recently to repeat.
    Repeat,
    /// For exercises: the self-mobilisation cap.
    ExerciseCap,
}

impl HoldReason {
    /// Holds that keep a reminder where it is until an event ends them, rather than until a
    /// known time.
    pub fn waits(self) -> bool {
        matches!(
            self,
            HoldReason::Away
                | HoldReason::NoServer
                | HoldReason::Conversation
                | HoldReason::Busy
                | HoldReason::AfterUnlock
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::Dnd => "dnd",
            HoldReason::Away => "away",
            HoldReason::NoServer => "no_server",
            HoldReason::Conversation => "conversation",
            HoldReason::Busy => "busy",
            HoldReason::AfterUnlock => "after_unlock",
            HoldReason::Paused => "paused",
            HoldReason::Snoozed => "snoozed",
            HoldReason::QuietHours => "quiet_hours",
            HoldReason::DailyCap => "daily_cap",
            HoldReason::HourlyCap => "hourly_cap",
            HoldReason::MinGap => "min_gap",
            HoldReason::Cooldown => "cooldown",
            HoldReason::Repeat => "repeat",
            HoldReason::ExerciseCap => "exercise_cap",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            HoldReason::Dnd => "do not disturb",
            HoldReason::Away => "you are away (locked, asleep or idle)",
            HoldReason::NoServer => "no notification server to show it",
            HoldReason::Conversation => "waiting for your answer to the open question",
            HoldReason::Busy => "you are in a call, a presentation or full screen",
            HoldReason::AfterUnlock => "you have just unlocked the screen",
            HoldReason::Paused => "paused",
            HoldReason::Snoozed => "snoozed",
            HoldReason::QuietHours => "quiet hours",
            HoldReason::DailyCap => "daily limit reached",
            HoldReason::HourlyCap => "hourly limit reached",
            HoldReason::MinGap => "too soon after the last reminder",
            HoldReason::Cooldown => "too soon after the last one of this kind",
            HoldReason::Repeat => "shown too recently",
            HoldReason::ExerciseCap => "exercise limit reached",
        }
    }
}

impl fmt::Display for HoldReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A "not now": which limit, and when it lifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    pub reason: HoldReason,
    pub until: DateTime<Utc>,
}

/// What the limits remember. Plain data so the daemon can persist it across restarts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LimitState {
    /// Every reminder shown in the last two days, oldest first.
    pub shown: Vec<DateTime<Utc>>,
    pub last_by_kind: BTreeMap<Kind, DateTime<Utc>>,
    pub last_by_entry: BTreeMap<String, DateTime<Utc>>,
    /// When self-mobilisation was last suggested, within the last two days.
    pub self_mobilisation: Vec<DateTime<Utc>>,
    pub paused_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub snoozed_until: Option<DateTime<Utc>>,
}

/// How long entries are kept: a day window plus a DST hour and slack.
const KEEP: Duration = Duration::hours(48);
/// Exercise rotation data is kept longer so rotation spans days off.
const KEEP_ENTRIES: Duration = Duration::days(30);

impl LimitState {
    /// What `check` needs to look at `now` as if one more reminder of `kind` had just been
    /// shown: cheaper than a clone, which would copy the rotation too.
    pub fn with_shown(&self, kind: Kind, now: DateTime<Utc>) -> LimitState {
        let mut shown = self.shown.clone();
        shown.push(now);
        let mut last_by_kind = self.last_by_kind.clone();
        last_by_kind.insert(kind, now);
        LimitState {
            shown,
            last_by_kind,
            last_by_entry: BTreeMap::new(),
            self_mobilisation: Vec::new(),
            paused_until: self.paused_until,
            snoozed_until: self.snoozed_until,
        }
    }

    pub fn record(&mut self, kind: Kind, entry: Option<&str>, self_mobilisation: bool, at: DateTime<Utc>) {
        self.shown.push(at);
        self.last_by_kind.insert(kind, at);
        if let Some(id) = entry {
            self.last_by_entry.insert(id.to_owned(), at);
        }
        if self_mobilisation {
            self.self_mobilisation.push(at);
        }
        self.prune(at);
        // Rotation data grows only here, so it is trimmed only here.
        let keep_from = at - KEEP_ENTRIES;
        self.last_by_entry.retain(|_, t| *t > keep_from);
    }

    /// Forgets what no limit can look at any more. A clock set backwards keeps everything.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        // One subtraction per prune, not one per entry: this runs at every planner step.
        let keep_from = now - KEEP;
        if self.shown.first().is_some_and(|t| *t <= keep_from) {
            self.shown.retain(|t| *t > keep_from);
        }
        if self.self_mobilisation.first().is_some_and(|t| *t <= keep_from) {
            self.self_mobilisation.retain(|t| *t > keep_from);
        }
        if self.paused_until.is_some_and(|p| p <= now) {
            self.paused_until = None;
        }
        if self.snoozed_until.is_some_and(|p| p <= now) {
            self.snoozed_until = None;
        }
    }

    pub fn shown_today(&self, rules: &LimitRules, zone: &Zone, now: DateTime<Utc>) -> u32 {
        let began = day_began(zone, rules.day_starts, now);
        self.shown.iter().filter(|t| **t >= began && **t <= now).count() as u32
    }

    pub fn shown_last_hour(&self, now: DateTime<Utc>) -> u32 {
        let from = now - Duration::hours(1);
        self.shown.iter().filter(|t| **t > from && **t <= now).count() as u32
    }
}

/// May a reminder of `kind` be shown at `now`? If several limits apply, the one that lifts
/// last is named, so the reminder is not held again a moment later for another reason.
pub fn check(
    rules: &LimitRules,
    state: &LimitState,
    zone: &Zone,
    kind: Kind,
    now: DateTime<Utc>,
) -> Result<(), Hold> {
    // The hold that lifts last (the later reason on a tie), kept as they come.
    let mut latest: Option<Hold> = None;
    let mut hold = |reason, until: DateTime<Utc>| {
        if until > now && latest.is_none_or(|h| (until, reason) > (h.until, h.reason)) {
            latest = Some(Hold { reason, until });
        }
    };

    if let Err(h) = check_quiet(rules, state, zone, now) {
        hold(h.reason, h.until);
    }
    // Today's count needs the wall-clock start of the day; fewer kept in all can't reach it.
    if state.shown.len() >= rules.max_per_day as usize
        && state.shown_today(rules, zone, now) >= rules.max_per_day
    {
        hold(HoldReason::DailyCap, next_day_begins(zone, rules.day_starts, now));
    }
    let hour_ago = now - Duration::hours(1);
    let in_hour = || state.shown.iter().filter(|t| **t > hour_ago && **t <= now);
    let count = in_hour().count();
    if count as u32 >= rules.max_per_hour {
        // Lifts once enough of the hour's reminders have aged out of the window.
        let oldest_to_expire = count - rules.max_per_hour as usize;
        if let Some(t) = in_hour().nth(oldest_to_expire) {
            hold(HoldReason::HourlyCap, *t + Duration::hours(1));
        }
    }
    if let Some(last) = state.shown.iter().filter(|t| **t <= now).max() {
        hold(HoldReason::MinGap, *last + rules.min_gap);
    }
    if let (Some(last), Some(cooldown)) = (state.last_by_kind.get(&kind), rules.cooldown.get(&kind))
        && *last <= now
    {
        hold(HoldReason::Cooldown, *last + *cooldown);
    }
    latest.map_or(Ok(()), Err)
}

/// May anything but a warning sign be shown at `now`? Not while paused or in quiet hours. Care
/// advice answers to this, not to the reminder budget (it has its own limits).
pub fn check_quiet(
    rules: &LimitRules,
    state: &LimitState,
    zone: &Zone,
    now: DateTime<Utc>,
) -> Result<(), Hold> {
    let paused =
        state.paused_until.filter(|u| *u > now).map(|until| Hold { reason: HoldReason::Paused, until });
    let snoozed =
        state.snoozed_until.filter(|u| *u > now).map(|until| Hold { reason: HoldReason::Snoozed, until });
    let quiet = rules
        .quiet_hours
        .period_at(zone, now)
        .filter(|p| p.end > now)
        .map(|p| Hold { reason: HoldReason::QuietHours, until: p.end });
    paused.into_iter().chain(snoozed).chain(quiet).max_by_key(|h| (h.until, h.reason)).map_or(Ok(()), Err)
}

/// May this exercise be suggested at `now`? Rotation (no repeat within a window) and, for
/// self-mobilisation, the daily cap and the gap between sessions.
pub fn check_exercise(
    rules: &LimitRules,
    state: &LimitState,
    zone: &Zone,
    id: &str,
    self_mobilisation: bool,
    now: DateTime<Utc>,
) -> Result<(), Hold> {
    if self_mobilisation {
        check_self_mobilisation(rules, state, zone, now)?;
    }
    check_repeat(rules, state.last_by_entry.get(id).copied(), now)
}

/// The self-mobilisation cap alone: the same for every such entry, so a caller weighing many
/// entries asks once.
pub fn check_self_mobilisation(
    rules: &LimitRules,
    state: &LimitState,
    zone: &Zone,
    now: DateTime<Utc>,
) -> Result<(), Hold> {
    let cap = rules.self_mobilisation;
    let began = day_began(zone, rules.day_starts, now);
    let today = state.self_mobilisation.iter().filter(|t| **t >= began && **t <= now).count();
    if today as u32 >= cap.per_day {
        return Err(Hold {
            reason: HoldReason::ExerciseCap,
            until: next_day_begins(zone, rules.day_starts, now),
        });
    }
    if let Some(last) = state.self_mobilisation.iter().filter(|t| **t <= now).max()
        && now < *last + cap.min_gap
    {
        return Err(Hold { reason: HoldReason::ExerciseCap, until: *last + cap.min_gap });
    }
    Ok(())
}

/// Rotation alone, for an exercise last suggested at `last` (`state.last_by_entry`).
pub fn check_repeat(rules: &LimitRules, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), Hold> {
    match last {
        Some(last) if last <= now && now < last + rules.no_repeat_within => {
            Err(Hold { reason: HoldReason::Repeat, until: last + rules.no_repeat_within })
        }
        _ => Ok(()),
    }
}

/// Rotation for many exercises at one `now`, deciding as `check_repeat` does: the window's
/// start is worked out once, rather than its end for every exercise (`Catalog::choose`).
pub struct Repeats {
    now: DateTime<Utc>,
    /// `now` less `no_repeat_within`; `None` before the earliest time there is.
    from: Option<DateTime<Utc>>,
}

impl Repeats {
    pub fn at(rules: &LimitRules, now: DateTime<Utc>) -> Repeats {
        Repeats { now, from: now.checked_sub_signed(rules.no_repeat_within) }
    }

    /// Whether an exercise last suggested at `last` may be suggested again: `now` is not before
    /// `last + no_repeat_within`, that is `last` is not after `now - no_repeat_within`.
    pub fn allow(&self, last: Option<DateTime<Utc>>) -> bool {
        last.is_none_or(|last| last > self.now || self.from.is_some_and(|from| last <= from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::schedule::TimeRange;
    use chrono::TimeZone;

    fn rules() -> LimitRules {
        LimitRules {
            max_per_hour: 2,
            max_per_day: 4,
            min_gap: Duration::minutes(15),
            quiet_hours: WeekHours::every_day(vec!["20:00-08:00".parse::<TimeRange>().unwrap()]),
            day_starts: NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
            cooldown: BTreeMap::from([(Kind::Posture, Duration::minutes(25))]),
            no_repeat_within: Duration::hours(2),
            self_mobilisation: ExerciseCap { per_day: 2, min_gap: Duration::hours(3) },
        }
    }

    const UTC: Zone = Zone::Named(crate::core::zone::Tz::UTC);

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 4, h, m, 0).unwrap()
    }

    fn held(r: Result<(), Hold>) -> (HoldReason, DateTime<Utc>) {
        let h = r.unwrap_err();
        (h.reason, h.until)
    }

    #[test]
    fn quiet_hours_hold_until_they_end() {
        let s = LimitState::default();
        assert_eq!(
            held(check(&rules(), &s, &UTC, Kind::Stretch, t(7, 0))),
            (HoldReason::QuietHours, t(8, 0))
        );
        assert_eq!(check(&rules(), &s, &UTC, Kind::Stretch, t(8, 0)), Ok(()));
        assert_eq!(held(check(&rules(), &s, &UTC, Kind::Stretch, t(20, 0))).0, HoldReason::QuietHours);
    }

    #[test]
    fn the_minimum_gap_is_inclusive_and_names_when_it_lifts() {
        let mut s = LimitState::default();
        s.record(Kind::Stretch, None, false, t(9, 0));
        assert_eq!(held(check(&rules(), &s, &UTC, Kind::Eyes, t(9, 14))), (HoldReason::MinGap, t(9, 15)));
        assert_eq!(check(&rules(), &s, &UTC, Kind::Eyes, t(9, 15)), Ok(()));
    }

    #[test]
    fn the_hourly_cap_is_a_rolling_window() {
        let mut s = LimitState::default();
        s.record(Kind::Stretch, None, false, t(9, 0));
        s.record(Kind::Eyes, None, false, t(9, 20));
        assert_eq!(
            held(check(&rules(), &s, &UTC, Kind::Movement, t(9, 40))),
            (HoldReason::HourlyCap, t(10, 0))
        );
        assert_eq!(check(&rules(), &s, &UTC, Kind::Movement, t(10, 0)), Ok(()));
    }

    #[test]
    fn the_daily_cap_lifts_at_the_day_boundary_and_the_latest_limit_is_named() {
        let mut s = LimitState::default();
        for h in [9, 11, 13, 15] {
            s.record(Kind::Stretch, None, false, t(h, 0));
        }
        let (reason, until) = held(check(&rules(), &s, &UTC, Kind::Stretch, t(17, 0)));
        assert_eq!(reason, HoldReason::DailyCap);
        assert_eq!(until, Utc.with_ymd_and_hms(2026, 5, 5, 4, 0, 0).unwrap());
        // In quiet hours both apply; quiet hours lift later (08:00, after 04:00), so they are
        // the one named.
        assert_eq!(held(check(&rules(), &s, &UTC, Kind::Stretch, t(21, 0))).0, HoldReason::QuietHours);
    }

    #[test]
    fn cooldown_is_per_kind() {
        let mut s = LimitState::default();
        s.record(Kind::Posture, None, false, t(9, 0));
        assert_eq!(
            held(check(&rules(), &s, &UTC, Kind::Posture, t(9, 20))),
            (HoldReason::Cooldown, t(9, 25))
        );
        assert_eq!(check(&rules(), &s, &UTC, Kind::Stretch, t(9, 20)), Ok(()));
    }

    #[test]
    fn pause_holds_everything_until_it_ends() {
        let s = LimitState { paused_until: Some(t(12, 0)), ..Default::default() };
        assert_eq!(held(check(&rules(), &s, &UTC, Kind::Stretch, t(10, 0))), (HoldReason::Paused, t(12, 0)));
    }

    #[test]
    fn self_mobilisation_is_capped_per_day_with_hours_between() {
        let r = rules();
        let mut s = LimitState::default();
        assert_eq!(check_exercise(&r, &s, &UTC, "ext", true, t(9, 0)), Ok(()));
        s.record(Kind::Stretch, Some("ext"), true, t(9, 0));
        let h = check_exercise(&r, &s, &UTC, "other", true, t(11, 0)).unwrap_err();
        assert_eq!((h.reason, h.until), (HoldReason::ExerciseCap, t(12, 0)));
        s.record(Kind::Stretch, Some("ext"), true, t(12, 0));
        let h = check_exercise(&r, &s, &UTC, "ext", true, t(19, 0)).unwrap_err();
        assert_eq!(h.reason, HoldReason::ExerciseCap);
        assert_eq!(h.until, Utc.with_ymd_and_hms(2026, 5, 5, 4, 0, 0).unwrap());
    }

    #[test]
    fn repeats_decide_as_check_repeat_does() {
        let r = rules();
        let now = t(12, 0);
        let repeats = Repeats::at(&r, now);
        for last in [None, Some(t(9, 59)), Some(t(10, 0)), Some(t(10, 1)), Some(t(12, 0)), Some(t(12, 1))] {
            assert_eq!(repeats.allow(last), check_repeat(&r, last, now).is_ok(), "{last:?}");
        }
    }

    #[test]
    fn an_exercise_is_not_repeated_within_the_window() {
        let mut s = LimitState::default();
        s.record(Kind::Stretch, Some("chin-tuck"), false, t(9, 0));
        let h = check_exercise(&rules(), &s, &UTC, "chin-tuck", false, t(10, 0)).unwrap_err();
        assert_eq!((h.reason, h.until), (HoldReason::Repeat, t(11, 0)));
        assert_eq!(check_exercise(&rules(), &s, &UTC, "neck-turn", false, t(10, 0)), Ok(()));
    }
}
