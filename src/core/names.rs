//! One naming table for areas, symptoms and reminder kinds: the name stored and shown, the
//! aliases a person may type, plain words for sentences, and a line of help. The command line
//! (a value parser built from it in `cli.rs`), D-Bus `Log`/`LogFrom`, the config and catalogue,
//! the store, reports and export all name things through it, so they cannot disagree.

use std::fmt::Write as _;

/// One row of a naming table.
#[derive(Debug)]
pub struct Name<T: 'static> {
    pub value: T,
    /// What is stored and shown, and the first name accepted.
    pub name: &'static str,
    /// Other names accepted as input, e.g. `numbness` for `tingling`.
    pub aliases: &'static [&'static str],
    /// Plain words for sentences and buttons: "upper back", "numbness or tingling".
    pub words: &'static str,
    /// What it means, for help texts; empty when the name says it all.
    pub help: &'static str,
    /// Not accepted as input nor listed (the care rules' "upper body" taken together).
    pub hidden: bool,
}

/// A type named by a table.
pub trait Named: Copy + Eq + 'static {
    /// What one is called in messages: "area", "symptom", "reminder kind".
    const WHAT: &'static str;
    const TABLE: &'static [Name<Self>];
}

/// The row of `value`.
pub fn row<T: Named>(value: T) -> &'static Name<T> {
    T::TABLE.iter().find(|n| n.value == value).expect("every value has a row in its naming table")
}

/// Input from a person or another program: a name or an alias, exactly; hidden rows are refused.
pub fn parse<T: Named>(text: &str) -> Result<T, String> {
    T::TABLE
        .iter()
        .filter(|n| !n.hidden)
        .find(|n| n.name == text || n.aliases.contains(&text))
        .map(|n| n.value)
        .ok_or_else(|| format!("unknown {} `{text}`; expected one of {}", T::WHAT, listing::<T>()))
}

/// What postured wrote itself (stored state, its own rows), hidden names included.
pub fn stored<T: Named>(text: &str) -> Option<T> {
    T::TABLE.iter().find(|n| n.name == text || n.aliases.contains(&text)).map(|n| n.value)
}

/// "tingling (numbness), weakness, ...": every name a person may use.
pub fn listing<T: Named>() -> String {
    let mut out = String::new();
    for n in T::TABLE.iter().filter(|n| !n.hidden) {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(n.name);
        if !n.aliases.is_empty() {
            let _ = write!(out, " ({})", n.aliases.join(", "));
        }
    }
    out
}

/// Serialize as the table's name and deserialize through the table (serde), for stored state
/// and the config.
macro_rules! serde_by_name {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::core::names::row(*self).name)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(d)?;
                $crate::core::names::stored(&text).ok_or_else(|| {
                    <D::Error as serde::de::Error>::custom(
                        $crate::core::names::parse::<$t>(&text).err().unwrap_or_default(),
                    )
                })
            }
        }
    };
}
pub(crate) use serde_by_name;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Area, Kind, Symptom};

    fn check<T: Named + std::fmt::Debug>(all: &[T]) {
        let mut seen = std::collections::HashSet::new();
        for n in T::TABLE {
            for name in std::iter::once(&n.name).chain(n.aliases) {
                assert!(seen.insert(*name), "{name} twice in the {} table", T::WHAT);
                assert_eq!(stored::<T>(name), Some(n.value));
            }
            assert!(!n.words.is_empty(), "{}", n.name);
        }
        for v in all {
            assert_eq!(parse::<T>(row(*v).name), Ok(*v));
        }
        assert_eq!(T::TABLE.iter().filter(|n| !n.hidden).count(), all.len());
    }

    #[test]
    fn every_value_has_one_row_and_names_are_unique() {
        check(&Area::ALL);
        check(&Symptom::ALL);
        check(&Kind::ALL);
        assert_eq!(parse::<Symptom>("numbness"), Ok(Symptom::Tingling));
        assert_eq!(parse::<Symptom>("disturbs-sleep"), Ok(Symptom::Sleep));
        assert!(parse::<Area>("upper-body").is_err(), "not an area to log");
        assert_eq!(stored::<Area>("upper-body"), Some(Area::UpperBody));
        let err = parse::<Symptom>("elbow-ache").unwrap_err();
        assert!(
            err.starts_with("unknown symptom `elbow-ache`; expected one of tingling (numbness), weakness"),
            "{err}"
        );
        let json = serde_json::to_string(&[Area::UpperBack, Area::UpperBody]).unwrap();
        assert_eq!(json, r#"["upper-back","upper-body"]"#);
        assert_eq!(serde_json::from_str::<Vec<Area>>(&json).unwrap(), [Area::UpperBack, Area::UpperBody]);
        assert_eq!(serde_json::from_str::<Symptom>(r#""numbness""#).unwrap(), Symptom::Tingling);
    }
}
