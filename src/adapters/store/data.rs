//! The user's own data as a whole: export every row, count and forget what is older than a date.

use super::{Store, ts, wipe};
use anyhow::bail;
use chrono::{DateTime, Utc};
use rusqlite::params;

impl Store {
    /// Every row of one of the user's tables (`discomfort`, `reminders`, `care_advice`,
    /// `natural_breaks`) as
    /// column name to value, oldest first, for `postured export`.
    pub fn export_table(
        &self,
        table: &str,
    ) -> anyhow::Result<Vec<serde_json::Map<String, serde_json::Value>>> {
        use rusqlite::types::ValueRef;
        use serde_json::Value;
        let Some(&(name, time)) = USER_TABLES.iter().find(|(name, _)| *name == table) else {
            bail!("`{table}` is not a table of the user's data");
        };
        let mut stmt = self.conn.prepare(&format!("SELECT * FROM {name} ORDER BY {time}, id"))?;
        let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let rows = stmt.query_map([], |r| {
            let mut row = serde_json::Map::new();
            for (i, column) in columns.iter().enumerate() {
                let value = match r.get_ref(i)? {
                    ValueRef::Null | ValueRef::Blob(_) => Value::Null,
                    ValueRef::Integer(n) => n.into(),
                    ValueRef::Real(x) => x.into(),
                    ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
                };
                row.insert(column.clone(), value);
            }
            Ok(row)
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many reports, reminders and pieces of care advice are from before `before`.
    pub fn count_before(&self, before: DateTime<Utc>) -> anyhow::Result<Counts> {
        let mut n = [0usize; 5];
        for (i, (name, time)) in USER_TABLES.iter().enumerate() {
            let sql = format!("SELECT count(*) FROM {name} WHERE {time} < ?1");
            n[i] = self.conn.query_row(&sql, params![ts(before)], |r| r.get::<_, i64>(0))? as usize;
        }
        Ok(Counts { reports: n[0], reminders: n[1], advice: n[2], breaks: n[3], pops: n[4] })
    }

    /// Deletes the reports, reminders, care advice and breaks from before `before` in one
    /// transaction, then wipes them from the files (see `wipe`). If another program's read holds
    /// that up past a few seconds, the deletion stands, the wipe is left for the next open, and
    /// `wiped` says so.
    pub fn forget_before(&mut self, before: DateTime<Utc>) -> anyhow::Result<Forgotten> {
        // Freed space is zeroed as it is freed, before VACUUM even runs.
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        let tx = self.conn.transaction()?;
        let mut n = [0usize; 5];
        for (i, (name, time)) in USER_TABLES.iter().enumerate() {
            n[i] = tx.execute(&format!("DELETE FROM {name} WHERE {time} < ?1"), params![ts(before)])?;
        }
        tx.commit()?;
        let counts = Counts { reports: n[0], reminders: n[1], advice: n[2], breaks: n[3], pops: n[4] };
        let wiped = wipe::wipe(&self.conn, wipe::FORGET_PATIENCE)?;
        if !wiped {
            self.mark_wipe_pending()?;
        }
        Ok(Forgotten { counts, wiped })
    }
}

/// The tables that hold the user's own data, each with the column that says when.
const USER_TABLES: [(&str, &str); 5] = [
    ("discomfort", "at"),
    ("reminders", "shown_at"),
    ("care_advice", "at"),
    ("natural_breaks", "back_at"),
    ("pops", "at"),
];

/// What `forget` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forgotten {
    pub counts: Counts,
    /// False when the deleted text is still in the files, to be wiped at the next open.
    pub wiped: bool,
}

/// Rows per table, for `forget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub reports: usize,
    pub reminders: usize,
    pub advice: usize,
    /// Natural breaks: time away from the screen.
    pub breaks: usize,
    /// Self-reported pops of the upper back.
    pub pops: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.reports + self.reminders + self.advice + self.breaks + self.pops
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::store::NewReport;
    use crate::core::{Area, Kind, Symptom};
    use chrono::TimeZone;

    #[test]
    fn forget_before_deletes_older_rows_of_every_table_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap().store;
        let day = |d| Utc.with_ymd_and_hms(2026, 6, d, 9, 0, 0).unwrap();
        for d in [1, 2, 5] {
            let r = NewReport {
                at: day(d),
                area: Area::Neck,
                severity: 4,
                symptoms: &[Symptom::Night],
                note: Some("a, \"b\""),
                source: "cli",
            };
            store.log_discomfort(&r, day(d)).unwrap();
            store.record_shown(i64::from(d), day(d), Kind::Posture, None, "T", "B").unwrap();
            store.log_pop(day(d), day(d), "cli").unwrap();
        }
        let cut = day(3);
        assert_eq!(
            store.count_before(cut).unwrap(),
            Counts { reports: 2, reminders: 2, advice: 0, breaks: 0, pops: 2 }
        );
        assert_eq!(
            store.forget_before(cut).unwrap(),
            Forgotten {
                counts: Counts { reports: 2, reminders: 2, advice: 0, breaks: 0, pops: 2 },
                wiped: true
            }
        );
        assert_eq!(store.count_before(cut).unwrap().total(), 0);
        let left = store.export_table("discomfort").unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0]["at"], "2026-06-05T09:00:00.000Z");
        assert_eq!(left[0]["note"], "a, \"b\"");
        assert_eq!(left[0]["symptoms"], "night");
        assert_eq!(store.export_table("reminders").unwrap().len(), 1);
        let pops = store.export_table("pops").unwrap();
        assert_eq!(pops.len(), 1);
        assert_eq!(pops[0]["source"], "cli");
        assert_eq!(store.pops_since(day(1)).unwrap(), [(3, day(5))]);
        assert!(store.export_table("planner_state").is_err(), "only the user's tables");
    }

    #[test]
    fn report_ids_are_not_reused_after_the_newest_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap().store;
        let day = |d| Utc.with_ymd_and_hms(2026, 6, d, 9, 0, 0).unwrap();
        let report = |d| NewReport {
            at: day(d),
            area: Area::Neck,
            severity: 4,
            symptoms: &[],
            note: None,
            source: "cli",
        };
        let first = store.log_discomfort(&report(1), day(1)).unwrap();
        let second = store.log_discomfort(&report(2), day(2)).unwrap();
        store.forget_before(day(3)).unwrap();
        let third = store.log_discomfort(&report(4), day(4)).unwrap();
        assert!(third > second && second > first, "{first} {second} {third}");
    }
}
