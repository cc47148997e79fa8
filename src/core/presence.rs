//! Whether the user is at the machine: each way of being away (asleep, locked, idle, screen
//! saver) begins and ends on its own, and the absence ends when the last of them does; and the
//! ways of being busy at it (a call, a presentation, full screen).

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::fmt;

/// One way of being away from the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Away {
    Asleep,
    Locked,
    Idle,
    /// The screen saver is on (`org.freedesktop.ScreenSaver`), which desktops start when idle.
    ScreenSaver,
}

impl Away {
    pub fn as_str(self) -> &'static str {
        match self {
            Away::Asleep => "asleep",
            Away::Locked => "locked",
            Away::Idle => "idle",
            Away::ScreenSaver => "screensaver",
        }
    }
}

impl fmt::Display for Away {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One way of being busy at the machine: reminders wait, and come once after `after_busy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Busy {
    /// A camera device is open (a call).
    Camera,
    /// Something inhibits idle (a call, a video, a presentation).
    Inhibit,
    /// A window is full screen.
    Fullscreen,
}

impl Busy {
    pub const ALL: [Busy; 3] = [Busy::Camera, Busy::Inhibit, Busy::Fullscreen];

    /// The source named in `session.busy_when`.
    pub fn parse(name: &str) -> Option<Busy> {
        Busy::ALL.into_iter().find(|b| b.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Busy::Camera => "camera",
            Busy::Inhibit => "inhibit",
            Busy::Fullscreen => "fullscreen",
        }
    }

    /// The source, for `status`: "full screen" in "not detected here: full screen".
    pub fn source_words(self) -> &'static str {
        match self {
            Busy::Camera => "camera",
            Busy::Inhibit => "idle inhibitors",
            Busy::Fullscreen => "full screen",
        }
    }

    /// For `status`: "camera in use".
    pub fn words(self) -> &'static str {
        match self {
            Busy::Camera => "camera in use",
            Busy::Inhibit => "idle inhibited",
            Busy::Fullscreen => "full screen",
        }
    }
}

impl fmt::Display for Busy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words())
    }
}

/// A finished absence: when each of its causes began (the earliest, if one came and went
/// twice), and when the user was back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Absence {
    pub began: BTreeMap<Away, DateTime<Utc>>,
    pub to: DateTime<Utc>,
}

impl Absence {
    /// When the part of the absence that counts as a break began: the earliest start among the
    /// causes `counts` accepts, if any.
    pub fn counted_from(&self, counts: impl Fn(Away) -> bool) -> Option<DateTime<Utc>> {
        self.began.iter().filter(|(c, _)| counts(**c)).map(|(_, at)| *at).min()
    }

    /// "locked+idle".
    pub fn causes(&self) -> String {
        self.began.keys().map(|c| c.as_str()).collect::<Vec<_>>().join("+")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presence {
    /// The causes in force now, with when each began.
    now: BTreeMap<Away, DateTime<Utc>>,
    /// Every cause seen during the current absence, with its earliest start.
    seen: BTreeMap<Away, DateTime<Utc>>,
}

impl Presence {
    pub fn is_away(&self) -> bool {
        !self.now.is_empty()
    }

    /// The causes in force now, e.g. `[Locked, Idle]`.
    pub fn causes(&self) -> Vec<Away> {
        self.now.keys().copied().collect()
    }

    /// `cause` began at `at`; repeating it changes nothing.
    pub fn begin(&mut self, cause: Away, at: DateTime<Utc>) {
        self.now.entry(cause).or_insert(at);
        let seen = self.seen.entry(cause).or_insert(at);
        *seen = (*seen).min(at);
    }

    /// `cause` ended at `at`. Returns the whole absence when it was the last cause in force.
    pub fn end(&mut self, cause: Away, at: DateTime<Utc>) -> Option<Absence> {
        self.now.remove(&cause)?;
        if self.now.is_empty() {
            Some(Absence { began: std::mem::take(&mut self.seen), to: at })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn an_absence_ends_with_its_last_cause_and_remembers_each_start() {
        let t = |m: i64| Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap() + Duration::minutes(m);
        let mut p = Presence::default();
        assert_eq!(p.end(Away::Locked, t(0)), None, "not away: nothing ends");
        p.begin(Away::Idle, t(0));
        p.begin(Away::Locked, t(3));
        p.begin(Away::Locked, t(4));
        assert!(p.is_away());
        assert_eq!(p.causes(), [Away::Locked, Away::Idle]);
        assert_eq!(p.end(Away::Idle, t(5)), None, "still locked");
        let a = p.end(Away::Locked, t(10)).expect("back");
        assert!(!p.is_away());
        assert_eq!(a.counted_from(|_| true), Some(t(0)));
        assert_eq!(a.counted_from(|c| c == Away::Locked), Some(t(3)));
        assert_eq!(a.counted_from(|c| c == Away::Asleep), None);
        assert_eq!((a.causes().as_str(), a.to), ("locked+idle", t(10)));
        p.begin(Away::Asleep, t(20));
        assert_eq!(p.end(Away::Asleep, t(30)).unwrap().began.len(), 1, "a fresh absence");
    }
}
