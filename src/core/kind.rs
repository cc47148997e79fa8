//! The kinds of reminder postured knows, their display names and which kinds one covers.

use super::names::{self, Name, Named};
use std::fmt;
use std::str::FromStr;

/// A kind of reminder. Each has its own interval; the larger kinds also count as the smaller
/// ones (a movement break is also a stretch and a posture check), which keeps the total low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Posture,
    Eyes,
    Stretch,
    Movement,
}

const fn kind(value: Kind, name: &'static str, words: &'static str) -> Name<Kind> {
    Name { value, name, aliases: &[], words, help: "", hidden: false }
}

impl Named for Kind {
    const WHAT: &'static str = "reminder kind";
    const TABLE: &'static [Name<Kind>] = &[
        kind(Kind::Posture, "posture", "posture check"),
        kind(Kind::Eyes, "eyes", "eye break"),
        kind(Kind::Stretch, "stretch", "stretch break"),
        kind(Kind::Movement, "movement", "movement break"),
    ];
}
names::serde_by_name!(Kind);

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Posture, Kind::Eyes, Kind::Stretch, Kind::Movement];

    pub fn as_str(self) -> &'static str {
        names::row(self).name
    }

    /// How the notification names the kind.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Posture => "Posture check",
            Kind::Eyes => "Eye break",
            Kind::Stretch => "Stretch break",
            Kind::Movement => "Movement break",
        }
    }

    /// Which one wins when several are due at once: the bigger break.
    pub fn rank(self) -> u8 {
        match self {
            Kind::Posture => 0,
            Kind::Eyes => 1,
            Kind::Stretch => 2,
            Kind::Movement => 3,
        }
    }

    /// Whether showing `self` also counts as a `other` reminder, so `other`'s timer restarts.
    /// Eye breaks stand apart: looking away is not covered by a stretch and covers nothing.
    pub fn covers(self, other: Kind) -> bool {
        matches!(
            (self, other),
            (Kind::Movement, Kind::Stretch | Kind::Posture) | (Kind::Stretch, Kind::Posture)
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        names::parse(s)
    }
}
