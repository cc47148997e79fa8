//! The pure core: schedule, limits, catalogue choice and the planner that combines them.
//! No I/O and no clock reads: every function that needs the time takes `now`.

pub mod area;
pub mod catalog;
pub mod kind;
pub mod limits;
pub mod planner;
pub mod presence;
pub mod schedule;
pub mod zone;

pub use area::Area;
pub use catalog::{Catalog, Entry};
pub use kind::Kind;
pub use limits::{Hold, HoldReason, LimitRules, LimitState};
pub use planner::{Conditions, Event, NextReminder, Outcome, Planner, PlannerState, Reminder, Rules};
pub use presence::{Absence, Away, Presence};
pub use schedule::{Period, TimeRange, WeekHours};
pub use zone::Zone;
