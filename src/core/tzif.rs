//! A named IANA time zone built from its TZif data (RFC 8536), as the system's zoneinfo keeps it:
//! the offset in force at an instant, and the offsets a wall time can have (none in a DST gap,
//! two in a fold). Pure: the bytes come from `adapters::zoneinfo`, which finds the file.
//!
//! Why not chrono-tz: it compiles the whole tz database into the binary (about 1 MB of
//! relocated data, dirty memory in a PIE) and goes stale with the binary, while every Linux
//! system keeps its own database current. Parsing, including the footer's POSIX TZ rule for
//! times past the table, is the `tz-rs` crate's; this module adds the wall-time lookup.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, Utc};
use std::sync::Mutex;

/// A named zone. Copy and cheap: it points at rules that live for the rest of the process,
/// kept once per distinct name and content (see `intern`), so a reload doesn't grow memory.
#[derive(Clone, Copy)]
pub struct Tz(&'static Rules);

#[derive(PartialEq)]
struct Rules {
    name: &'static str,
    /// `None` is UTC, which needs no data.
    table: Option<tz::TimeZone>,
}

static UTC_RULES: Rules = Rules { name: "UTC", table: None };

/// Every zone built so far. A handful at most: one per zone name a config has used.
static INTERNED: Mutex<Vec<&'static Rules>> = Mutex::new(Vec::new());

impl Tz {
    /// UTC, without reading anything.
    pub const UTC: Tz = Tz(&UTC_RULES);

    /// The zone `name` described by the TZif file `bytes`; the error says what is wrong with them.
    pub fn from_tzif(name: &str, bytes: &[u8]) -> Result<Tz, String> {
        let table = tz::TimeZone::from_tz_data(bytes).map_err(|e| e.to_string())?;
        Ok(intern(name, table))
    }

    pub fn name(&self) -> &'static str {
        self.0.name
    }

    /// The offset from UTC in force at `at`.
    pub fn offset_at(&self, at: DateTime<Utc>) -> FixedOffset {
        FixedOffset::east_opt(self.offset_seconds(at.timestamp())).unwrap_or(Utc.fix())
    }

    fn offset_seconds(&self, unix: i64) -> i32 {
        match &self.0.table {
            None => 0,
            Some(table) => match table.find_local_time_type(unix) {
                Ok(t) => t.ut_offset(),
                // Only a version 1 file (no footer rule) runs out: keep its last offset.
                Err(_) => table.as_ref().local_time_types().last().map_or(0, |t| t.ut_offset()),
            },
        }
    }

    /// The offsets with which `wall` happens in this zone: one, none (it falls in a gap) or two
    /// (it happens twice, in a fold; the earlier instant first).
    pub fn offsets_for_wall(&self, wall: NaiveDateTime) -> LocalResult<FixedOffset> {
        let as_if_utc = wall.and_utc().timestamp();
        // A wall time can only have an offset that is in force somewhere near it; a day either
        // side covers every real transition (they are months apart, and at most a few hours).
        let mut candidates =
            [as_if_utc - 86_400, as_if_utc, as_if_utc + 86_400].map(|t| self.offset_seconds(t));
        // A larger offset names an earlier instant: largest first, so the earlier fold comes first.
        candidates.sort_unstable_by(|a, b| b.cmp(a));
        // An offset fits when the instant it names really has that offset.
        let mut fitting = candidates
            .iter()
            .enumerate()
            .filter(|&(i, o)| i == 0 || candidates[i - 1] != *o)
            .map(|(_, &o)| o)
            .filter(|&o| self.offset_seconds(as_if_utc - i64::from(o)) == o)
            .filter_map(FixedOffset::east_opt);
        match (fitting.next(), fitting.next(), fitting.next_back()) {
            (None, ..) => LocalResult::None,
            (Some(one), None, _) => LocalResult::Single(one),
            (Some(earlier), Some(later), None) | (Some(earlier), Some(_), Some(later)) => {
                LocalResult::Ambiguous(earlier, later)
            }
        }
    }
}

/// Keeps the first copy of each distinct zone: reloading the same config (or the same zone in
/// a test) returns the same rules instead of leaking a new copy each time.
fn intern(name: &str, table: tz::TimeZone) -> Tz {
    let mut all = INTERNED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(found) = all.iter().find(|r| r.name == name && r.table.as_ref() == Some(&table)) {
        return Tz(found);
    }
    let rules: &'static Rules =
        Box::leak(Box::new(Rules { name: Box::leak(name.into()), table: Some(table) }));
    all.push(rules);
    Tz(rules)
}

impl PartialEq for Tz {
    fn eq(&self, other: &Tz) -> bool {
        std::ptr::eq(self.0, other.0) || self.0 == other.0
    }
}

impl std::fmt::Debug for Tz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Tz").field(&self.0.name).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A TZif version 2 file with no transitions, one local time type and `footer` as its
    /// POSIX TZ rule: every time comes from the footer, as for dates past a real file's table.
    fn footer_only(footer: &str) -> Vec<u8> {
        let header = |v: u8| {
            let mut h = b"TZif".to_vec();
            h.push(v);
            h.extend([0; 15]);
            // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
            for n in [0u32, 0, 0, 0, 1, 4] {
                h.extend(n.to_be_bytes());
            }
            h
        };
        let types = [0, 0, 0, 0, 0, 0, b'U', b'T', b'C', 0];
        let mut f = header(b'2');
        f.extend(types);
        f.extend(header(b'2'));
        f.extend(types);
        f.extend(format!("\n{footer}\n").bytes());
        f
    }

    fn wall(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn berlin() -> Tz {
        Tz::from_tzif("Test/Berlin", &footer_only("CET-1CEST,M3.5.0,M10.5.0/3")).unwrap()
    }

    fn hours(o: FixedOffset) -> f64 {
        f64::from(o.local_minus_utc()) / 3600.0
    }

    #[test]
    fn the_footer_rule_gives_summer_and_winter_offsets() {
        let z = berlin();
        assert_eq!(hours(z.offset_at(Utc.with_ymd_and_hms(2030, 1, 15, 12, 0, 0).unwrap())), 1.0);
        assert_eq!(hours(z.offset_at(Utc.with_ymd_and_hms(2030, 7, 15, 12, 0, 0).unwrap())), 2.0);
        // The change is at 01:00 UTC on the last Sunday of March (2030-03-31).
        assert_eq!(hours(z.offset_at(Utc.with_ymd_and_hms(2030, 3, 31, 0, 59, 59).unwrap())), 1.0);
        assert_eq!(hours(z.offset_at(Utc.with_ymd_and_hms(2030, 3, 31, 1, 0, 0).unwrap())), 2.0);
    }

    #[test]
    fn a_wall_time_in_the_gap_has_no_offset_and_one_in_the_fold_has_two() {
        let z = berlin();
        assert_eq!(z.offsets_for_wall(wall("2030-03-31 02:30")), LocalResult::None);
        assert_eq!(z.offsets_for_wall(wall("2030-03-31 01:59")).map(hours), LocalResult::Single(1.0));
        assert_eq!(z.offsets_for_wall(wall("2030-03-31 03:00")).map(hours), LocalResult::Single(2.0));
        assert_eq!(
            z.offsets_for_wall(wall("2030-10-27 02:30")).map(hours),
            LocalResult::Ambiguous(2.0, 1.0),
            "the earlier instant (summer time) first"
        );
        assert_eq!(z.offsets_for_wall(wall("2030-10-27 03:00")).map(hours), LocalResult::Single(1.0));
    }

    #[test]
    fn southern_zones_change_the_other_way_round() {
        // Sydney: summer time from the first Sunday of October to the first Sunday of April.
        let z = Tz::from_tzif("Test/Sydney", &footer_only("AEST-10AEDT,M10.1.0,M4.1.0/3")).unwrap();
        assert_eq!(hours(z.offset_at(Utc.with_ymd_and_hms(2030, 1, 10, 0, 0, 0).unwrap())), 11.0);
        assert_eq!(z.offsets_for_wall(wall("2030-10-06 02:30")), LocalResult::None);
        assert!(matches!(z.offsets_for_wall(wall("2030-04-07 02:30")), LocalResult::Ambiguous(..)));
    }

    #[test]
    fn the_same_zone_loaded_twice_is_kept_once_and_equal() {
        let a = berlin();
        let b = berlin();
        assert!(std::ptr::eq(a.0, b.0));
        assert_eq!(a, b);
        assert_ne!(a, Tz::UTC);
        assert_eq!(format!("{a:?}"), "Tz(\"Test/Berlin\")");
    }

    #[test]
    fn bad_data_is_an_error_not_a_panic() {
        assert!(Tz::from_tzif("X", b"").is_err());
        assert!(Tz::from_tzif("X", b"not a zone file at all").is_err());
        let mut truncated = footer_only("CET-1CEST,M3.5.0,M10.5.0/3");
        truncated.truncate(60);
        assert!(Tz::from_tzif("X", &truncated).is_err());
    }

    #[test]
    fn utc_has_offset_zero_everywhere() {
        assert_eq!(Tz::UTC.offset_at(Utc::now()).local_minus_utc(), 0);
        assert_eq!(Tz::UTC.offsets_for_wall(wall("2030-03-31 02:30")).map(hours), LocalResult::Single(0.0));
        assert_eq!(Tz::UTC.name(), "UTC");
    }
}
