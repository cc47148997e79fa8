//! Body areas that stretches target and discomfort reports name.

use super::names::{self, Name, Named};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    UpperBody,
}

const fn area(value: Area, name: &'static str, words: &'static str) -> Name<Area> {
    Name { value, name, aliases: &[], words, help: "", hidden: false }
}

impl Named for Area {
    const WHAT: &'static str = "area";
    const TABLE: &'static [Name<Area>] = &[
        area(Area::Neck, "neck", "neck"),
        area(Area::UpperBack, "upper-back", "upper back"),
        area(Area::Shoulders, "shoulders", "shoulders"),
        area(Area::Chest, "chest", "chest"),
        area(Area::LowerBack, "lower-back", "lower back"),
        area(Area::Wrists, "wrists", "wrists"),
        area(Area::Eyes, "eyes", "eyes"),
        area(Area::WholeBody, "whole-body", "whole body"),
        Name { hidden: true, ..area(Area::UpperBody, "upper-body", "upper body") },
    ];
}
names::serde_by_name!(Area);
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
        names::row(self).name
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
        names::row(self).words
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
        names::parse(s)
    }
}
