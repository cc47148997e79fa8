//! Body areas that stretches target and discomfort reports name.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    Neck,
    UpperBack,
    Shoulders,
    Chest,
    LowerBack,
    Wrists,
    Eyes,
    WholeBody,
    /// Not an area to log: neck, upper back and shoulders taken together, for the care rules
    /// that also look at "any upper-body area" (P1, P2).
    #[value(skip)]
    UpperBody,
}

impl Area {
    pub const ALL: [Area; 8] = [
        Area::Neck,
        Area::UpperBack,
        Area::Shoulders,
        Area::Chest,
        Area::LowerBack,
        Area::Wrists,
        Area::Eyes,
        Area::WholeBody,
    ];

    /// The areas `UpperBody` stands for.
    pub const UPPER_BODY: [Area; 3] = [Area::Neck, Area::UpperBack, Area::Shoulders];

    pub fn as_str(self) -> &'static str {
        match self {
            Area::UpperBody => "upper-body",
            Area::Neck => "neck",
            Area::UpperBack => "upper-back",
            Area::Shoulders => "shoulders",
            Area::Chest => "chest",
            Area::LowerBack => "lower-back",
            Area::Wrists => "wrists",
            Area::Eyes => "eyes",
            Area::WholeBody => "whole-body",
        }
    }

    /// Before a noun: "wrist discomfort", "upper back discomfort".
    pub fn modifier(self) -> &'static str {
        match self {
            Area::Shoulders => "shoulder",
            Area::Wrists => "wrist",
            Area::Eyes => "eye",
            Area::WholeBody => "whole-body",
            Area::UpperBody => "upper-body",
            other => other.words(),
        }
    }

    /// Plain words for sentences and buttons: "upper back", "shoulders".
    pub fn words(self) -> &'static str {
        match self {
            Area::UpperBack => "upper back",
            Area::LowerBack => "lower back",
            Area::WholeBody => "whole body",
            Area::UpperBody => "upper body",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Area {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Area::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("unknown area `{s}`; expected one of {}", super::kind::names(&Area::ALL)))
    }
}
