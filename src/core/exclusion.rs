//! Conditions that rule out some moves for good (the care brief's §4.2.5): set in
//! `care.exclusions`, asked by `postured setup`. With any set, the upper-back self-mobilisation
//! is never suggested, nor is any catalogue entry whose cautions name one that is set.

use super::names::{self, Name, Named};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exclusion {
    Osteoporosis,
    Hypermobility,
    SpinalInjury,
    SpinalArthritis,
}

const fn exclusion(
    value: Exclusion,
    name: &'static str,
    aliases: &'static [&'static str],
    words: &'static str,
    help: &'static str,
) -> Name<Exclusion> {
    Name { value, name, aliases, words, help, hidden: false }
}

impl Named for Exclusion {
    const WHAT: &'static str = "exclusion";
    #[rustfmt::skip]
    const TABLE: &'static [Name<Exclusion>] = &[
        exclusion(Exclusion::Osteoporosis, "osteoporosis", &[], "osteoporosis",
            "Have you been told you have osteoporosis (thin or fragile bones)?"),
        exclusion(Exclusion::Hypermobility, "hypermobility", &["eds"], "joint hypermobility",
            "Are your joints hypermobile (very loose or bendy; for example Ehlers-Danlos syndrome)?"),
        exclusion(Exclusion::SpinalInjury, "spinal-injury", &["spinal-surgery"], "a recent spinal injury or surgery",
            "Have you injured your back or neck, or had spinal surgery, in the last year?"),
        exclusion(Exclusion::SpinalArthritis, "spinal-arthritis", &["ankylosing-spondylitis"],
            "inflammatory arthritis of the spine",
            "Do you have inflammatory arthritis of the spine (such as ankylosing spondylitis)?"),
    ];
}
names::serde_by_name!(Exclusion);

impl Exclusion {
    pub const ALL: [Exclusion; 4] = [
        Exclusion::Osteoporosis,
        Exclusion::Hypermobility,
        Exclusion::SpinalInjury,
        Exclusion::SpinalArthritis,
    ];

    pub fn as_str(self) -> &'static str {
        names::row(self).name
    }

    pub fn words(self) -> &'static str {
        names::row(self).words
    }

    /// The question `postured setup` asks.
    pub fn question(self) -> &'static str {
        names::row(self).help
    }

    /// Whether a catalogue caution names this condition ("Skip with osteoporosis", "after a
    /// recent back injury or surgery"), in any case.
    pub fn named_in(self, caution: &str) -> bool {
        let c = caution.to_lowercase();
        match self {
            Exclusion::Osteoporosis => c.contains("osteoporosis"),
            Exclusion::Hypermobility => c.contains("hypermobil") || c.contains("ehlers"),
            Exclusion::SpinalInjury => {
                c.contains("recent") && (c.contains("injur") || c.contains("surgery"))
                    || ["spinal injur", "spinal surgery", "back surgery"].iter().any(|w| c.contains(w))
            }
            Exclusion::SpinalArthritis => {
                ["inflammatory arthritis", "spinal arthritis", "spondyl"].iter().any(|w| c.contains(w))
            }
        }
    }
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Exclusion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        names::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cautions_name_what_they_say() {
        let skip = "Skip with osteoporosis, joint hypermobility, or a recent back injury or surgery.";
        assert!(Exclusion::ALL[..3].iter().all(|e| e.named_in(skip)));
        assert!(!Exclusion::SpinalArthritis.named_in(skip));
        assert!(
            Exclusion::SpinalInjury
                .named_in("Skip it after a recent back injury; stop if you feel sharp pain.")
        );
        assert!(!Exclusion::SpinalInjury.named_in("Stop if you feel pain, numbness or tingling."));
        assert!(Exclusion::SpinalArthritis.named_in("Not with ankylosing spondylitis."));
        assert_eq!("eds".parse(), Ok(Exclusion::Hypermobility));
    }
}
