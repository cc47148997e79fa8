//! The `[session]` section: when the user counts as idle, whether a locked screen or a sleeping
//! machine counts as a break, how long an absence makes a break of each kind, and the quiet
//! time after a call (or full screen) ends and after unlocking.

use super::ConfigError;
use super::fields::{At, Doc, Loc};
use super::raw::RawSession;
use crate::core::{Busy, Kind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

/// What the daemon needs from `[session]` beyond the break lengths (which go to the planner).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// No input for this long and the user is idle (away).
    pub idle_threshold: Duration,
    /// A locked screen or a sleeping machine counts as time away from the screen.
    pub lock_counts_as_break: bool,
    /// After a call, a presentation or full screen ends, no routine prompt for this long.
    pub after_busy: Duration,
    /// After the screen is unlocked, no routine prompt for this long.
    pub after_unlock: Duration,
    /// Which ways of being busy hold routine reminders.
    pub busy_when: BTreeSet<Busy>,
}

/// One file's `[session]` values.
#[derive(Default)]
pub(super) struct SessionPart {
    idle_threshold: Option<At<Duration>>,
    lock_counts_as_break: Option<At<bool>>,
    after_busy: Option<At<Duration>>,
    after_unlock: Option<At<Duration>>,
    busy_when: Option<At<BTreeSet<Busy>>>,
    breaks: BTreeMap<Kind, At<Duration>>,
}

const SEC: Duration = Duration::from_secs(1);
const HOUR: Duration = Duration::from_secs(3600);

impl SessionPart {
    pub(super) fn read(doc: &Doc, raw: &RawSession) -> Result<SessionPart, ConfigError> {
        let mut p = SessionPart {
            idle_threshold: doc.duration(&raw.idle_threshold, "session.idle_threshold", SEC, HOUR)?,
            lock_counts_as_break: raw
                .lock_counts_as_break
                .as_ref()
                .map(|b| At { value: *b.get_ref(), loc: Loc { source: doc.index, span: b.span() } }),
            after_busy: doc.duration(&raw.after_busy, "session.after_busy", Duration::ZERO, HOUR)?,
            after_unlock: doc.duration(&raw.after_unlock, "session.after_unlock", Duration::ZERO, HOUR)?,
            busy_when: busy_when(doc, raw)?,
            breaks: BTreeMap::new(),
        };
        let b = &raw.break_length;
        for (kind, value) in [
            (Kind::Posture, &b.posture),
            (Kind::Eyes, &b.eyes),
            (Kind::Stretch, &b.stretch),
            (Kind::Movement, &b.movement),
        ] {
            let key = format!("session.break_length.{kind}");
            if let Some(d) = doc.duration(value, &key, SEC, 8 * HOUR)? {
                p.breaks.insert(kind, d);
            }
        }
        Ok(p)
    }

    /// Lays `top` over `self`: every key `top` sets wins.
    pub(super) fn overlay(&mut self, top: SessionPart) {
        super::fields::overlay_keys!(
            self, top;
            idle_threshold, lock_counts_as_break, after_busy, after_unlock, busy_when
        );
        self.breaks.extend(top.breaks);
    }

    /// The checked values, and the break length of every kind.
    pub(super) fn finish(
        self,
        user: &Path,
    ) -> Result<(Session, BTreeMap<Kind, chrono::Duration>), ConfigError> {
        let missing = |key: &str| ConfigError::file(user, format!("`{key}` is missing"));
        let mut breaks = BTreeMap::new();
        for kind in Kind::ALL {
            let d = self.breaks.get(&kind).ok_or_else(|| missing(&format!("session.break_length.{kind}")))?;
            breaks.insert(kind, chrono::Duration::from_std(d.value).unwrap_or(chrono::Duration::hours(1)));
        }
        let threshold = self.idle_threshold.ok_or_else(|| missing("session.idle_threshold"))?;
        let lock = self.lock_counts_as_break.ok_or_else(|| missing("session.lock_counts_as_break"))?;
        let after_busy = self.after_busy.ok_or_else(|| missing("session.after_busy"))?;
        let after_unlock = self.after_unlock.ok_or_else(|| missing("session.after_unlock"))?;
        let busy_when = self.busy_when.ok_or_else(|| missing("session.busy_when"))?;
        let session = Session {
            idle_threshold: threshold.value,
            lock_counts_as_break: lock.value,
            after_busy: after_busy.value,
            after_unlock: after_unlock.value,
            busy_when: busy_when.value,
        };
        Ok((session, breaks))
    }
}

/// `session.busy_when`: the names of the busy sources that hold reminders (none is allowed).
fn busy_when(doc: &Doc, raw: &RawSession) -> Result<Option<At<BTreeSet<Busy>>>, ConfigError> {
    let Some(list) = &raw.busy_when else { return Ok(None) };
    let mut set = BTreeSet::new();
    for name in list.get_ref() {
        let busy = Busy::parse(name.get_ref().trim()).ok_or_else(|| {
            let known: Vec<_> = Busy::ALL.iter().map(|b| format!("\"{}\"", b.as_str())).collect();
            doc.error(
                name.span(),
                format!(
                    "`session.busy_when`: unknown source \"{}\"; use any of {}",
                    name.get_ref(),
                    known.join(", ")
                ),
            )
        })?;
        set.insert(busy);
    }
    Ok(Some(doc.at(set, list.span())))
}
