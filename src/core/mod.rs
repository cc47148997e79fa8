//! The pure core: schedule, limits, catalogue choice, the planner that combines them, and the
//! care rules for discomfort reports.
//! No I/O and no clock reads: every function that needs the time takes `now`.

pub mod advice;
pub mod area;
pub mod care;
pub mod catalog;
pub mod engine;
pub mod exclusion;
pub mod kind;
pub mod limits;
pub mod names;
pub mod planner;
pub mod presence;
pub mod schedule;
pub mod summary;
pub mod symptom;
pub mod tzif;
pub mod zone;

pub use area::Area;
pub use care::{Adapt, CareRules, CareState, Finding, Logged, Reason, ShownIn};
pub use catalog::{Catalog, Entry};
pub use exclusion::Exclusion;
pub use kind::Kind;
pub use limits::{Hold, HoldReason, LimitRules, LimitState};
pub use planner::{Conditions, Event, NextReminder, Outcome, Planner, PlannerState, Reminder, Rules};
pub use presence::{Absence, Away, Busy, Presence};
pub use schedule::{Period, TimeRange, WeekHours};
pub use symptom::Symptom;
pub use zone::Zone;
