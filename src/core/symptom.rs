//! The fixed list of symptoms a discomfort report can carry, and how urgently each one points
//! to care: "seek urgent help now" or "contact a doctor today".

use super::area::Area;
use super::names::{self, Name, Named};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Symptom {
    Tingling,
    Weakness,
    Spreading,
    Chest,
    Fever,
    Night,
    Injury,
    Headache,
    Bladder,
    WeightLoss,
    Vision,
    Sleep,
    Activities,
}

const fn symptom(
    value: Symptom,
    name: &'static str,
    aliases: &'static [&'static str],
    words: &'static str,
    help: &'static str,
) -> Name<Symptom> {
    Name { value, name, aliases, words, help, hidden: false }
}

impl Named for Symptom {
    const WHAT: &'static str = "symptom";
    #[rustfmt::skip]
    const TABLE: &'static [Name<Symptom>] = &[
        symptom(Symptom::Tingling, "tingling", &["numbness"], "numbness or tingling", "Numbness or tingling"),
        symptom(Symptom::Weakness, "weakness", &[], "weakness", "Weakness in an arm or leg (or both legs)"),
        symptom(Symptom::Spreading, "spreading", &[], "pain spreading into an arm or leg", "Pain spreading into an arm or leg"),
        symptom(Symptom::Chest, "chest", &["breathlessness"], "chest pain or breathlessness", "Chest pain or breathlessness"),
        symptom(Symptom::Fever, "fever", &[], "fever", "Fever or feeling very unwell"),
        symptom(Symptom::Night, "night", &["rest"], "pain at night or at rest", "Pain at night or at rest"),
        symptom(Symptom::Injury, "injury", &["fall"], "pain after a fall or injury", "Started after a fall or injury"),
        symptom(Symptom::Headache, "headache", &["dizziness"], "headache or dizziness", "Headache or dizziness with neck pain"),
        symptom(Symptom::Bladder, "bladder", &["bowel"], "bladder or bowel changes", "Bladder or bowel changes"),
        symptom(Symptom::WeightLoss, "weight-loss", &[], "unexplained weight loss", "Unexplained weight loss"),
        symptom(Symptom::Vision, "vision", &[], "a sudden change in vision", "A sudden change in vision (blurred or double)"),
        symptom(Symptom::Sleep, "sleep", &["disturbs-sleep"], "disturbed sleep", "It disturbs sleep"),
        symptom(Symptom::Activities, "activities", &["stopped-activities"], "normal activities stopped", "It stopped normal activities"),
    ];
}
names::serde_by_name!(Symptom);

/// How soon a warning sign should be looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Seek urgent help now.
    Now,
    /// Contact a doctor today.
    Today,
}

impl Symptom {
    pub const ALL: [Symptom; 13] = [
        Symptom::Tingling,
        Symptom::Weakness,
        Symptom::Spreading,
        Symptom::Chest,
        Symptom::Fever,
        Symptom::Night,
        Symptom::Injury,
        Symptom::Headache,
        Symptom::Bladder,
        Symptom::WeightLoss,
        Symptom::Vision,
        Symptom::Sleep,
        Symptom::Activities,
    ];

    pub fn as_str(self) -> &'static str {
        names::row(self).name
    }

    /// Plain words, for sentences and buttons.
    pub fn words(self) -> &'static str {
        names::row(self).words
    }

    /// How the discomfort gets in the way, not a warning sign: "disturbs sleep", "stopped normal
    /// activities" (F1).
    pub fn is_function(self) -> bool {
        matches!(self, Symptom::Sleep | Symptom::Activities)
    }

    /// Chest pain, new weakness, bladder or bowel changes and headache or dizziness with neck
    /// (or upper back) pain can come from the heart, the spinal cord or the arteries of the neck:
    /// those do not wait, nor does a sudden change in vision with them. The rest, and a
    /// headache or a change in vision with eye strain, deserve a look the same day. Not warning
    /// signs: how the discomfort gets in the way (sleep, activities), and numbness or tingling in
    /// the wrists, which has its own rule (see `care`).
    pub fn urgency_in(self, area: Area) -> Option<Urgency> {
        match self {
            Symptom::Sleep | Symptom::Activities => None,
            Symptom::Tingling if area == Area::Wrists => None,
            Symptom::Chest | Symptom::Weakness | Symptom::Bladder => Some(Urgency::Now),
            Symptom::Headache | Symptom::Vision if matches!(area, Area::Neck | Area::UpperBack) => {
                Some(Urgency::Now)
            }
            _ => Some(Urgency::Today),
        }
    }
}

impl fmt::Display for Symptom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Symptom {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        names::parse(s)
    }
}

/// Stores a symptom list as "tingling,fever"; unknown names (from a newer version) are skipped.
pub fn join(symptoms: &[Symptom]) -> String {
    symptoms.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
}

pub fn split(text: &str) -> Vec<Symptom> {
    text.split(',').filter_map(|s| s.trim().parse().ok()).collect()
}

/// "a, b and c".
pub fn list_words(symptoms: &[Symptom]) -> String {
    let words: Vec<&str> = symptoms.iter().map(|s| s.words()).collect();
    match words.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_tiers_are_as_documented() {
        for s in Symptom::ALL {
            assert_eq!(s.as_str().parse::<Symptom>(), Ok(s));
        }
        assert_eq!(
            split(&join(&[Symptom::Chest, Symptom::WeightLoss])),
            [Symptom::Chest, Symptom::WeightLoss]
        );
        assert_eq!(split("tingling,from-the-future"), [Symptom::Tingling]);
        assert_eq!(Symptom::Bladder.urgency_in(Area::LowerBack), Some(Urgency::Now));
        assert_eq!(Symptom::Tingling.urgency_in(Area::Neck), Some(Urgency::Today));
        assert_eq!(Symptom::Headache.urgency_in(Area::Neck), Some(Urgency::Now));
        assert_eq!(
            Symptom::Headache.urgency_in(Area::Eyes),
            Some(Urgency::Today),
            "eye strain is not an emergency"
        );
        assert_eq!(
            list_words(&[Symptom::Fever, Symptom::Night, Symptom::Tingling]),
            "fever, pain at night or at rest and numbness or tingling"
        );
        assert!(
            "elbow-ache"
                .parse::<Symptom>()
                .unwrap_err()
                .contains("expected one of tingling (numbness), weakness")
        );
    }
}
