//! The planner's state between runs (today's budget, dues, pauses, care quiet times, warnings
//! shown), stored as one JSON text. Text that no longer parses is never dropped in silence: it is
//! kept in `planner_state_rejected`, logged at error level, and the planner starts from defaults.

use super::{Store, ts};
use crate::adapters::clock;
use crate::core::PlannerState;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

/// What a user loses when the state is not read, for the log.
const WHAT_IS_LOST: &str = "today's counts, when each reminder is due, a pause, the back-off after \
     ignored reminders, booked and postponed care advice and which warnings were already shown";

impl Store {
    /// The saved state. Keys a newer or older postured wrote and this one doesn't know are
    /// skipped, missing ones take their defaults; text that isn't the state at all is set aside.
    pub fn load_planner_state(&self) -> anyhow::Result<Option<PlannerState>> {
        let saved: Option<(String, String)> = self
            .conn
            .query_row("SELECT json, saved_at FROM planner_state WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((json, saved_at)) = saved else { return Ok(None) };
        match serde_json::from_str(&json) {
            Ok(state) => Ok(Some(state)),
            Err(parse) => {
                let kept = match self.reject_planner_state(&json, &saved_at, &parse.to_string()) {
                    Ok(()) => "the old text is kept in the table planner_state_rejected".to_owned(),
                    Err(e) => format!("the old text could not be kept aside ({e:#}): {json}"),
                };
                tracing::error!(
                    "the saved planner state (saved {saved_at}) can't be read ({parse}); starting from \
                     defaults, so {WHAT_IS_LOST} are forgotten; {kept}"
                );
                Ok(None)
            }
        }
    }

    pub fn save_planner_state(&self, state: &PlannerState, now: DateTime<Utc>) -> anyhow::Result<()> {
        let json = serde_json::to_string(state)?;
        self.conn.execute(
            "INSERT INTO planner_state (id, json, saved_at) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET json = excluded.json, saved_at = excluded.saved_at",
            params![json, ts(now)],
        )?;
        Ok(())
    }

    /// Moves the unreadable state to `planner_state_rejected` in one transaction, so it is
    /// reported once and the next save can't overwrite it.
    fn reject_planner_state(&self, json: &str, saved_at: &str, why: &str) -> anyhow::Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO planner_state_rejected (json, saved_at, rejected_at, why) VALUES (?1, ?2, ?3, ?4)",
            params![json, saved_at, ts(clock::now()), why],
        )?;
        tx.execute("DELETE FROM planner_state WHERE id = 1", [])?;
        tx.commit()?;
        Ok(())
    }
}
