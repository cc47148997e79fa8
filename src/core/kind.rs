//! The kinds of reminder postured knows, their display names and which kinds one covers.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A kind of reminder. Each has its own interval; the larger kinds also count as the smaller
/// ones (a movement break is also a stretch and a posture check), which keeps the total low.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Posture,
    Eyes,
    Stretch,
    Movement,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Posture, Kind::Eyes, Kind::Stretch, Kind::Movement];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Posture => "posture",
            Kind::Eyes => "eyes",
            Kind::Stretch => "stretch",
            Kind::Movement => "movement",
        }
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
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown reminder kind `{s}`; expected one of {}", names(&Kind::ALL)))
    }
}

pub(crate) fn names<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}
