//! The shape of the config and catalogue files as written, before validation. Every key is
//! optional (a user file sets only what it changes) and unknown keys are errors.

use serde::Deserialize;
use toml::Spanned;

pub type Str = Spanned<String>;
pub type Int = Spanned<i64>;
pub type List = Spanned<Vec<Str>>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub timezone: Option<Str>,
    pub catalog: Option<Str>,
    #[serde(default)]
    pub hours: RawHours,
    #[serde(default)]
    pub reminders: RawReminders,
    #[serde(default)]
    pub limits: RawLimits,
    #[serde(default)]
    pub notifications: RawNotifications,
    #[serde(default)]
    pub care: super::care::RawCare,
    #[serde(default)]
    pub session: RawSession,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHours {
    pub mon: Option<List>,
    pub tue: Option<List>,
    pub wed: Option<List>,
    pub thu: Option<List>,
    pub fri: Option<List>,
    pub sat: Option<List>,
    pub sun: Option<List>,
}

impl RawHours {
    pub fn days(&self) -> [&Option<List>; 7] {
        [&self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun]
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReminders {
    pub posture: Option<RawReminder>,
    pub eyes: Option<RawReminder>,
    pub stretch: Option<RawReminder>,
    pub movement: Option<RawReminder>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReminder {
    pub enabled: Option<Spanned<bool>>,
    pub interval: Option<Str>,
    pub cooldown: Option<Str>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub max_per_hour: Option<Int>,
    pub max_per_day: Option<Int>,
    pub min_gap: Option<Str>,
    pub quiet_hours: Option<List>,
    pub day_starts: Option<Str>,
    pub no_repeat_within: Option<Str>,
    pub back_off_after: Option<Int>,
    #[serde(default)]
    pub self_mobilisation: RawCap,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCap {
    pub per_day: Option<Int>,
    pub min_gap: Option<Str>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNotifications {
    pub snooze: Option<Str>,
    pub expire: Option<Str>,
    pub pause: Option<Str>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSession {
    pub idle_threshold: Option<Str>,
    pub lock_counts_as_break: Option<Spanned<bool>>,
    pub after_busy: Option<Str>,
    pub after_unlock: Option<Str>,
    pub busy_when: Option<List>,
    #[serde(default)]
    pub break_length: RawBreaks,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBreaks {
    pub posture: Option<Str>,
    pub eyes: Option<Str>,
    pub stretch: Option<Str>,
    pub movement: Option<Str>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCatalog {
    #[serde(default)]
    pub entry: Vec<Spanned<RawEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
    pub id: Str,
    pub title: Option<Str>,
    pub kinds: Option<List>,
    pub areas: Option<List>,
    pub duration: Option<Str>,
    pub steps: Option<List>,
    pub cautions: Option<List>,
    pub source: Option<Str>,
    pub self_mobilisation: Option<bool>,
    pub avoid_with: Option<List>,
    /// Hides a built-in entry of the same id.
    pub disabled: Option<bool>,
}
