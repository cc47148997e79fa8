//! Wall-clock time in the user's zone: turning a local date and time into an instant, with
//! DST gaps and folds resolved explicitly so schedules keep their wall-clock meaning.

use chrono::{
    DateTime, Datelike, Days, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat,
    TimeZone, Utc, Weekday,
};

pub use super::tzif::Tz;

/// The zone schedules are read in: the system's (follows `/etc/localtime` and `TZ`) or a
/// named IANA zone from the config's `timezone` key, read from the system's zoneinfo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    System,
    Named(Tz),
}

/// Which of the two instants to take when a wall time happens twice (the autumn fold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    Earlier,
    Later,
}

impl Zone {
    pub fn name(&self) -> String {
        match self {
            Zone::System => "system".to_owned(),
            Zone::Named(tz) => tz.name().to_owned(),
        }
    }

    /// For sentences: "Europe/Berlin time", or "local time" for the system's zone.
    pub fn words(&self) -> String {
        match self {
            Zone::System => "local time".to_owned(),
            Zone::Named(tz) => format!("{} time", tz.name()),
        }
    }

    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        self.in_zone(at).naive_local()
    }

    pub fn date(&self, at: DateTime<Utc>) -> NaiveDate {
        self.local(at).date()
    }

    /// The instant a wall time names. A time inside a spring-forward gap is moved forward by
    /// the gap's length (02:30 becomes 03:30), as iCalendar and most calendars do; a time that
    /// happens twice takes the requested fold.
    pub fn instant(&self, wall: NaiveDateTime, fold: Fold) -> DateTime<Utc> {
        resolve(|w| self.offsets_for_wall(w), wall, fold)
    }

    pub fn instant_at(&self, date: NaiveDate, time: NaiveTime, fold: Fold) -> DateTime<Utc> {
        self.instant(date.and_time(time), fold)
    }

    /// Formats an instant in this zone with its offset, e.g. `2026-03-29T09:00:00+02:00`.
    pub fn rfc3339(&self, at: DateTime<Utc>) -> String {
        self.in_zone(at).to_rfc3339_opts(SecondsFormat::Secs, false)
    }

    pub fn format(&self, at: DateTime<Utc>, fmt: &str) -> String {
        self.in_zone(at).format(fmt).to_string()
    }

    /// `at` with this zone's offset at that instant.
    fn in_zone(&self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        match self {
            Zone::System => at.with_timezone(&chrono::Local).fixed_offset(),
            Zone::Named(tz) => at.with_timezone(&tz.offset_at(at)),
        }
    }

    fn offsets_for_wall(&self, wall: NaiveDateTime) -> LocalResult<FixedOffset> {
        match self {
            Zone::System => chrono::Local.offset_from_local_datetime(&wall),
            Zone::Named(tz) => tz.offsets_for_wall(wall),
        }
    }
}

fn resolve(
    offsets: impl Fn(NaiveDateTime) -> LocalResult<FixedOffset>,
    wall: NaiveDateTime,
    fold: Fold,
) -> DateTime<Utc> {
    match offsets(wall) {
        LocalResult::Single(o) => (wall - o).and_utc(),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = ((wall - a).and_utc(), (wall - b).and_utc());
            match fold {
                Fold::Earlier => a.min(b),
                Fold::Later => a.max(b),
            }
        }
        LocalResult::None => {
            // In a gap: read the wall time with the offset in force just before the gap.
            // Real gaps are at most a few hours, so stepping back in half hours finds it.
            for half_hours in 1..=12 {
                let before = wall - chrono::Duration::minutes(30 * half_hours);
                if let LocalResult::Single(offset) = offsets(before) {
                    return (wall - offset).and_utc();
                }
            }
            wall.and_utc()
        }
    }
}

pub fn weekday_index(day: Weekday) -> usize {
    day.num_days_from_monday() as usize
}

pub fn weekday_of(date: NaiveDate) -> usize {
    weekday_index(date.weekday())
}

pub fn next_day(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1)).unwrap_or(date)
}

pub fn prev_day(date: NaiveDate) -> NaiveDate {
    date.checked_sub_days(Days::new(1)).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> Zone {
        Zone::Named(crate::adapters::zoneinfo::load("Europe/Berlin").unwrap())
    }

    fn wall(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a_time_in_the_spring_gap_moves_forward_by_the_gap() {
        let t = berlin().instant(wall("2026-03-29 02:30"), Fold::Earlier);
        assert_eq!(berlin().rfc3339(t), "2026-03-29T03:30:00+02:00");
    }

    #[test]
    fn a_time_in_the_autumn_fold_takes_the_requested_side() {
        let z = berlin();
        let early = z.instant(wall("2026-10-25 02:30"), Fold::Earlier);
        let late = z.instant(wall("2026-10-25 02:30"), Fold::Later);
        assert_eq!(z.rfc3339(early), "2026-10-25T02:30:00+02:00");
        assert_eq!(z.rfc3339(late), "2026-10-25T02:30:00+01:00");
        assert_eq!((late - early).num_minutes(), 60);
    }

    #[test]
    fn ordinary_times_map_one_to_one() {
        let z = Zone::Named(crate::adapters::zoneinfo::load("America/New_York").unwrap());
        let t = z.instant(wall("2026-07-01 09:00"), Fold::Later);
        assert_eq!(z.rfc3339(t), "2026-07-01T09:00:00-04:00");
        assert_eq!(z.local(t), wall("2026-07-01 09:00"));
    }
}
