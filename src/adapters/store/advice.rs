//! Care advice in the store: every piece given, with its reason, and what the user answered.

use super::{Store, parse_ts, ts};
use crate::core::{Finding, PlannerState, ShownIn};
use chrono::{DateTime, Utc};
use rusqlite::params;

/// Care advice as given, for `report`.
#[derive(Debug, Clone, PartialEq)]
pub struct AdviceRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub area: String,
    pub reason: String,
    pub why: String,
    pub outcome: Option<String>,
    /// `notification`, `terminal` or `dbus`.
    pub shown_in: String,
}

/// A piece of advice shown, to store.
pub struct Given<'a> {
    pub finding: &'a Finding,
    pub summary: &'a str,
    pub body: &'a str,
    pub shown_in: ShownIn,
}

impl Store {
    /// Records advice given as row `row` (numbered by the daemon's engine), or as the next
    /// row; returns the row.
    pub fn record_advice(
        &self,
        row: Option<i64>,
        at: DateTime<Utc>,
        f: &Finding,
        summary: &str,
        body: &str,
        shown_in: ShownIn,
    ) -> anyhow::Result<i64> {
        self.conn.execute(
            "INSERT INTO care_advice (id, at, area, reason, report, why, summary, body, shown_in)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                row,
                ts(at),
                f.area.as_str(),
                f.reason.as_str(),
                f.report,
                f.why,
                summary,
                body,
                shown_in.as_str()
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Advice given without the daemon (`postured log` printing it): the rows and the care
    /// state that remembers it, in one transaction, so the daemon's limits see it when it
    /// starts. (Unreadable saved state is set aside by the load, as when the daemon starts.)
    pub fn give_advice(
        &self,
        at: DateTime<Utc>,
        given: &[Given<'_>],
        update: impl FnOnce(&mut PlannerState),
    ) -> anyhow::Result<()> {
        let mut state = self.load_planner_state()?.unwrap_or_default();
        update(&mut state);
        let tx = self.conn.unchecked_transaction()?;
        for g in given {
            self.record_advice(None, at, g.finding, g.summary, g.body, g.shown_in)?;
        }
        self.save_planner_state(&state, at)?;
        tx.commit()?;
        Ok(())
    }

    /// Adds a place where advice stored as given elsewhere was shown too ("terminal,notification").
    pub fn advice_also_shown(&self, id: i64, shown_in: ShownIn) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE care_advice SET shown_in = shown_in || ',' || ?2 WHERE id = ?1 AND instr(shown_in, ?2) = 0",
            params![id, shown_in.as_str()],
        )?;
        Ok(())
    }

    /// Sets what the user said to a piece of advice; the first answer stands.
    pub fn record_advice_outcome(&self, id: i64, outcome: &str, at: DateTime<Utc>) -> anyhow::Result<bool> {
        let n = self.conn.execute(
            "UPDATE care_advice SET outcome = ?1, outcome_at = ?2 WHERE id = ?3 AND outcome IS NULL",
            params![outcome, ts(at), id],
        )?;
        Ok(n == 1)
    }

    pub fn advice_since(&self, since: DateTime<Utc>) -> anyhow::Result<Vec<AdviceRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, area, reason, why, outcome, shown_in FROM care_advice WHERE at >= ?1 ORDER BY at, id",
        )?;
        let rows = stmt.query_map(params![ts(since)], |r| {
            Ok(AdviceRow {
                id: r.get(0)?,
                at: parse_ts(&r.get::<_, String>(1)?)?,
                area: r.get(2)?,
                reason: r.get(3)?,
                why: r.get(4)?,
                outcome: r.get(5)?,
                shown_in: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
