//! Turning one file's raw values into typed ones, each range-checked and remembered with its
//! place, so any later error can still point at the line that caused it.

use super::error::{ConfigError, Source};
use super::raw::{Int, List, Str};
use crate::core::TimeRange;
use chrono::NaiveTime;
use std::ops::Range;
use std::time::Duration;

/// Lays the keys `top` sets over `base`'s (a file over the ones before it): every key `top`
/// sets wins, the others stay.
macro_rules! overlay_keys {
    ($base:expr, $top:expr; $($field:ident),* $(,)?) => {
        $( if $top.$field.is_some() { $base.$field = $top.$field; } )*
    };
}
pub(crate) use overlay_keys;

/// Where a value was written: which loaded file, and the byte span in it.
#[derive(Debug, Clone)]
pub struct Loc {
    pub source: usize,
    pub span: Range<usize>,
}

/// A typed value with its place.
#[derive(Debug, Clone)]
pub struct At<T> {
    pub value: T,
    pub loc: Loc,
}

/// One file being read: its index among the loaded files, for `Loc`s.
pub struct Doc<'a> {
    pub index: usize,
    pub source: &'a Source,
}

pub type Res<T> = Result<Option<At<T>>, ConfigError>;

impl Doc<'_> {
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError::at(self.source, Some(span), message)
    }

    pub fn at<T>(&self, value: T, span: Range<usize>) -> At<T> {
        At { value, loc: Loc { source: self.index, span } }
    }

    pub fn string(&self, raw: &Option<Str>) -> Option<At<String>> {
        raw.as_ref().map(|s| self.at(s.get_ref().clone(), s.span()))
    }

    pub fn duration(&self, raw: &Option<Str>, key: &str, min: Duration, max: Duration) -> Res<Duration> {
        let Some(s) = raw else { return Ok(None) };
        let value = parse_duration(s.get_ref())
            .and_then(|d| in_range(d, min, max))
            .map_err(|why| self.error(s.span(), format!("`{key}`: {why}")))?;
        Ok(Some(self.at(value, s.span())))
    }

    pub fn int(&self, raw: &Option<Int>, key: &str, min: u32, max: u32) -> Res<u32> {
        let Some(n) = raw else { return Ok(None) };
        let v = *n.get_ref();
        if v < i64::from(min) || v > i64::from(max) {
            return Err(
                self.error(n.span(), format!("`{key}` must be a whole number from {min} to {max}, got {v}"))
            );
        }
        Ok(Some(self.at(v as u32, n.span())))
    }

    pub fn clock(&self, raw: &Option<Str>, key: &str) -> Res<NaiveTime> {
        let Some(s) = raw else { return Ok(None) };
        let t = NaiveTime::parse_from_str(s.get_ref().trim(), "%H:%M").map_err(|_| {
            self.error(s.span(), format!("`{key}` must be a time of day \"HH:MM\", got \"{}\"", s.get_ref()))
        })?;
        Ok(Some(self.at(t, s.span())))
    }

    /// A list of time ranges. Ranges of one list must not overlap each other.
    pub fn ranges(&self, raw: &Option<List>, key: &str) -> Res<Vec<TimeRange>> {
        let Some(list) = raw else { return Ok(None) };
        let mut ranges: Vec<(TimeRange, Range<usize>)> = Vec::new();
        for item in list.get_ref() {
            let r: TimeRange = item
                .get_ref()
                .parse()
                .map_err(|why: String| self.error(item.span(), format!("`{key}`: {why}")))?;
            ranges.push((r, item.span()));
        }
        Ok(Some(self.at(ranges.into_iter().map(|(r, _)| r).collect(), list.span())))
    }
}

fn in_range(d: Duration, min: Duration, max: Duration) -> Result<Duration, String> {
    if d < min || d > max {
        Err(format!(
            "must be from {} to {}, got {}",
            show_duration(min),
            show_duration(max),
            show_duration(d)
        ))
    } else {
        Ok(d)
    }
}

/// Parses "45m", "1h30m", "1h 30m", "20s", "2 hours". Whole seconds only.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("durations can't be negative, got \"{text}\""));
    }
    if t.is_empty() || t.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("\"{text}\" needs a unit: write e.g. \"45m\", \"1h30m\" or \"20s\""));
    }
    let d = humantime::parse_duration(t).map_err(|e| match e {
        humantime::DurationError::UnknownUnit { unit, .. } => format!(
            "\"{text}\" is not a duration: \"{unit}\" is not a unit; use d, h, m or s, e.g. \"45m\" or \"1h30m\""
        ),
        humantime::DurationError::NumberOverflow => format!("\"{text}\" is not a duration: it is far too long"),
        _ => format!("\"{text}\" is not a duration: write a number with a unit, e.g. \"45m\", \"1h30m\" or \"20s\""),
    })?;
    if d.subsec_nanos() != 0 {
        return Err(format!("\"{text}\": durations are whole seconds"));
    }
    Ok(d)
}

/// "1h 30m", "20s", "0s".
pub fn show_duration(d: Duration) -> String {
    if d.is_zero() { "0s".into() } else { humantime::format_duration(d).to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_human_and_whole_seconds() {
        assert_eq!(parse_duration("45m"), Ok(Duration::from_secs(2700)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("-5m").unwrap_err(), "durations can't be negative, got \"-5m\"");
        assert!(parse_duration("45").unwrap_err().contains("needs a unit"));
        assert!(parse_duration("500ms").unwrap_err().contains("whole seconds"));
        // What a duration looks like, not the parser's internals.
        assert_eq!(
            parse_duration("abc").unwrap_err(),
            "\"abc\" is not a duration: write a number with a unit, e.g. \"45m\", \"1h30m\" or \"20s\""
        );
        assert_eq!(
            parse_duration("5x").unwrap_err(),
            "\"5x\" is not a duration: \"x\" is not a unit; use d, h, m or s, e.g. \"45m\" or \"1h30m\""
        );
        assert!(parse_duration("99999999999999999999h").unwrap_err().contains("is not a duration"));
        assert_eq!(show_duration(Duration::from_secs(5400)), "1h 30m");
    }
}
