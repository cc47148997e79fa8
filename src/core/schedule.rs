//! Working hours and quiet hours: wall-clock ranges per weekday, turned into real periods
//! (instants) in the user's zone, across midnight and DST changes.

use super::zone::{Fold, Zone, next_day, prev_day, weekday_of};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

const DAY_MINUTES: u32 = 24 * 60;
const WEEK_MINUTES: u32 = 7 * DAY_MINUTES;
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A wall-clock range such as `09:00-17:30`. An end at or before the start runs past
/// midnight into the next day (`22:00-02:00`), so an end equal to the start is a whole 24 hours
/// (`00:00-00:00`, also written `all day`); `24:00` is allowed as an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    start: u32,
    end: u32,
}

/// A stretch of real time, start inclusive, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Period {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

impl TimeRange {
    pub fn new(start: u32, end: u32) -> Result<Self, String> {
        if start >= DAY_MINUTES || end > DAY_MINUTES {
            return Err(format!("times run from 00:00 to 24:00, got {start} and {end} minutes"));
        }
        Ok(TimeRange { start, end })
    }

    /// Minutes after midnight the range starts at.
    pub fn start_minute(&self) -> u32 {
        self.start
    }

    pub fn crosses_midnight(&self) -> bool {
        self.end <= self.start
    }

    pub fn minutes(&self) -> u32 {
        if self.crosses_midnight() { DAY_MINUTES - self.start + self.end } else { self.end - self.start }
    }

    /// The real period this range covers when it starts on `date`. DST gaps push a bound
    /// forward; in a fold the range takes the earlier start and the later end, so it always
    /// covers every wall-clock minute it names.
    pub fn on(&self, date: NaiveDate, zone: &Zone) -> Period {
        Period { start: self.start_on(date, zone), end: self.end_on(date, zone) }
    }

    /// The start of `on(date, zone)`.
    fn start_on(&self, date: NaiveDate, zone: &Zone) -> DateTime<Utc> {
        zone.instant_at(date, minute_time(self.start), Fold::Earlier)
    }

    /// The end of `on(date, zone)`.
    fn end_on(&self, date: NaiveDate, zone: &Zone) -> DateTime<Utc> {
        let end_date = if self.crosses_midnight() || self.end == DAY_MINUTES { next_day(date) } else { date };
        zone.instant_at(end_date, minute_time(self.end % DAY_MINUTES), Fold::Later)
    }
}

fn minute_time(minute: u32) -> NaiveTime {
    NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0).unwrap_or(NaiveTime::MIN)
}

fn parse_clock(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

impl FromStr for TimeRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("all day") {
            return Ok(TimeRange { start: 0, end: DAY_MINUTES });
        }
        let bad = || {
            format!(
                "`{s}` is not a time range; write it as \"HH:MM-HH:MM\", e.g. \"09:00-17:30\", or \"all day\""
            )
        };
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let (start, end) = (parse_clock(a).ok_or_else(bad)?, parse_clock(b).ok_or_else(bad)?);
        if start == DAY_MINUTES {
            return Err(format!("`{s}`: a range can't start at 24:00; use 00:00"));
        }
        TimeRange::new(start, end)
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}-{:02}:{:02}", self.start / 60, self.start % 60, self.end / 60, self.end % 60)
    }
}

/// Wall-clock ranges that repeat every day (quiet hours) or per weekday (working hours).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WeekHours {
    days: [Vec<TimeRange>; 7],
}

/// Two ranges of a week that cover the same minutes, for the config error message.
#[derive(Debug, PartialEq)]
pub struct Overlap {
    pub first: (usize, TimeRange),
    pub second: (usize, TimeRange),
}

impl WeekHours {
    pub fn new(days: [Vec<TimeRange>; 7]) -> Self {
        WeekHours { days }
    }

    pub fn every_day(ranges: Vec<TimeRange>) -> Self {
        WeekHours { days: std::array::from_fn(|_| ranges.clone()) }
    }

    pub fn day(&self, weekday: usize) -> &[TimeRange] {
        &self.days[weekday]
    }

    pub fn is_empty(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }

    pub fn weekly_minutes(&self) -> u32 {
        self.days.iter().flatten().map(TimeRange::minutes).sum()
    }

    /// The first pair of ranges (in week order) that cover the same minute, counting ranges
    /// that run past midnight into the next day and Sunday's into Monday.
    pub fn first_overlap(&self) -> Option<Overlap> {
        let mut spans: Vec<(u32, u32, usize, TimeRange)> = Vec::new();
        for (day, ranges) in self.days.iter().enumerate() {
            for r in ranges {
                let start = day as u32 * DAY_MINUTES + r.start;
                let end = start + r.minutes();
                if end > WEEK_MINUTES {
                    spans.push((start, WEEK_MINUTES, day, *r));
                    spans.push((0, end - WEEK_MINUTES, day, *r));
                } else {
                    spans.push((start, end, day, *r));
                }
            }
        }
        spans.sort_by_key(|s| (s.0, s.1));
        spans.windows(2).find(|w| w[1].0 < w[0].1).map(|w| {
            let (a, b) = ((w[0].2, w[0].3), (w[1].2, w[1].3));
            // Name them in the order they appear in the week, the wrapped half aside.
            if (a.0, a.1.start) <= (b.0, b.1.start) {
                Overlap { first: a, second: b }
            } else {
                Overlap { first: b, second: a }
            }
        })
    }

    fn periods_starting(&self, date: NaiveDate, zone: &Zone) -> impl Iterator<Item = Period> + '_ {
        let zone = *zone;
        self.days[weekday_of(date)].iter().map(move |r| r.on(date, &zone)).filter(|p| p.start < p.end)
    }

    /// The period that contains `at`, if any.
    pub fn period_at(&self, zone: &Zone, at: DateTime<Utc>) -> Option<Period> {
        // Yesterday's ranges first, then today's, as `periods_starting` gives them; but each
        // bound is a wall-to-instant conversion, and the limits ask this at every check, so a
        // range that starts after `at` is passed over without working out its end.
        let today = zone.date(at);
        for date in [prev_day(today), today] {
            for r in self.day(weekday_of(date)) {
                let start = r.start_on(date, zone);
                if start > at {
                    continue;
                }
                let end = r.end_on(date, zone);
                if start < end && at < end {
                    return Some(Period { start, end });
                }
            }
        }
        None
    }

    /// The earliest period that starts after `at`, looking at most eight days ahead.
    pub fn next_start_after(&self, zone: &Zone, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut date = prev_day(zone.date(at));
        let mut best: Option<DateTime<Utc>> = None;
        for _ in 0..10 {
            // Ranges start on their own date, so a later date can't beat what we have.
            if best.is_some_and(|b| b < zone.instant_at(date, NaiveTime::MIN, Fold::Earlier)) {
                break;
            }
            for p in self.periods_starting(date, zone) {
                if p.start > at && best.is_none_or(|b| p.start < b) {
                    best = Some(p.start);
                }
            }
            date = next_day(date);
        }
        best
    }
}

/// The instant the current "day" began, for daily budgets: the latest `day_start` wall time
/// at or before `at`.
pub fn day_began(zone: &Zone, day_start: NaiveTime, at: DateTime<Utc>) -> DateTime<Utc> {
    let today = zone.date(at);
    let b = zone.instant_at(today, day_start, Fold::Earlier);
    if b <= at { b } else { zone.instant_at(prev_day(today), day_start, Fold::Earlier) }
}

/// The instant the next "day" begins after `at`.
pub fn next_day_begins(zone: &Zone, day_start: NaiveTime, at: DateTime<Utc>) -> DateTime<Utc> {
    let began = day_began(zone, day_start, at);
    let next = zone.instant_at(next_day(zone.date(began)), day_start, Fold::Earlier);
    // A zone whose day_start falls into a gap can map two dates onto one instant; never stall.
    if next > at { next } else { at + Duration::hours(24) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn r(s: &str) -> TimeRange {
        s.parse().unwrap()
    }

    #[test]
    fn parses_ranges_and_rejects_nonsense_with_a_hint() {
        assert_eq!(r("09:00-17:30").minutes(), 510);
        assert_eq!(r("22:00-02:00").minutes(), 240);
        assert_eq!(r("00:00-24:00").minutes(), 1440);
        assert_eq!(r("17:15-00:00").minutes(), 405);
        assert_eq!(r("9:00-12:00").to_string(), "09:00-12:00");
        for bad in ["9-17", "09:00", "25:00-26:00", "09:60-10:00", "24:00-01:00", "aa:bb-cc:dd"] {
            let e = bad.parse::<TimeRange>().unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
        // An end at the start runs past midnight like any earlier end: a whole 24 hours.
        assert_eq!(r("00:00-00:00").minutes(), 1440);
        assert_eq!(r("10:00-10:00").minutes(), 1440);
        assert_eq!(r("all day"), r("00:00-24:00"));
        let zone = Zone::Named(crate::adapters::zoneinfo::load("UTC").unwrap());
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let p = r("00:00-00:00").on(day, &zone);
        assert_eq!((p.end - p.start).num_hours(), 24);
    }

    #[test]
    fn finds_overlaps_within_a_day_across_midnight_and_across_the_week_end() {
        let mut days: [Vec<TimeRange>; 7] = Default::default();
        days[0] = vec![r("09:00-12:00"), r("13:00-17:00")];
        assert_eq!(WeekHours::new(days.clone()).first_overlap(), None);
        days[0].push(r("11:00-14:00"));
        let o = WeekHours::new(days).first_overlap().unwrap();
        assert_eq!((o.first.1, o.second.1), (r("09:00-12:00"), r("11:00-14:00")));

        let mut days: [Vec<TimeRange>; 7] = Default::default();
        days[0] = vec![r("22:00-02:00")];
        days[1] = vec![r("01:00-05:00")];
        let o = WeekHours::new(days).first_overlap().unwrap();
        assert_eq!((o.first.0, o.second.0), (0, 1));

        let mut days: [Vec<TimeRange>; 7] = Default::default();
        days[6] = vec![r("23:00-03:00")];
        days[0] = vec![r("02:00-04:00")];
        assert!(WeekHours::new(days).first_overlap().is_some());
    }

    fn at(zone: &Zone, s: &str) -> DateTime<Utc> {
        zone.instant(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(), Fold::Earlier)
    }

    #[test]
    fn a_night_range_belongs_to_the_day_it_starts_on() {
        let zone = Zone::Named(crate::adapters::zoneinfo::load("Europe/Berlin").unwrap());
        let mut days: [Vec<TimeRange>; 7] = Default::default();
        days[4] = vec![r("22:00-02:00")]; // Friday night
        let week = WeekHours::new(days);
        // 2026-01-10 is a Saturday.
        let p = week.period_at(&zone, at(&zone, "2026-01-10 01:00")).unwrap();
        assert_eq!(zone.rfc3339(p.start), "2026-01-09T22:00:00+01:00");
        assert_eq!(zone.rfc3339(p.end), "2026-01-10T02:00:00+01:00");
        assert_eq!(week.period_at(&zone, at(&zone, "2026-01-10 22:30")), None);
        let next = week.next_start_after(&zone, at(&zone, "2026-01-10 03:00")).unwrap();
        assert_eq!(zone.rfc3339(next), "2026-01-16T22:00:00+01:00");
    }

    #[test]
    fn a_night_shift_across_a_dst_change_is_shorter_or_longer_in_real_time() {
        let zone = Zone::Named(crate::adapters::zoneinfo::load("Europe/Berlin").unwrap());
        let night = WeekHours::every_day(vec![r("22:00-06:00")]);
        let spring = night.period_at(&zone, at(&zone, "2026-03-29 01:00")).unwrap();
        assert_eq!((spring.end - spring.start).num_hours(), 7);
        let autumn = night.period_at(&zone, at(&zone, "2026-10-25 01:00")).unwrap();
        assert_eq!((autumn.end - autumn.start).num_hours(), 9);
    }

    #[test]
    fn the_day_boundary_follows_wall_time() {
        let zone = Zone::Named(crate::adapters::zoneinfo::load("America/New_York").unwrap());
        let four = NaiveTime::from_hms_opt(4, 0, 0).unwrap();
        let t = at(&zone, "2026-03-08 03:30"); // after the spring-forward change
        assert_eq!(zone.rfc3339(day_began(&zone, four, t)), "2026-03-07T04:00:00-05:00");
        assert_eq!(zone.rfc3339(next_day_begins(&zone, four, t)), "2026-03-08T04:00:00-04:00");
    }
}
