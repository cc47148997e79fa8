//! Which SQLite files postured may call its own: those carrying its `application_id`, those a
//! postured from before the id made (no id, only postured's tables), and new empty ones. Any
//! other database at the store's path belongs to some other program and is refused untouched.

/// "PoSt": marks a database as postured's in its header.
pub(super) const APPLICATION_ID: i32 = 0x506F_5374;

use anyhow::{Context, bail};
use rusqlite::Connection;
use std::path::Path;

/// The tables postured made before it marked its databases with [`APPLICATION_ID`] (schema 1
/// to 4). A database without the id is adopted only if it has no others; this list never grows.
const TABLES_BEFORE_THE_ID: [&str; 5] =
    ["planner_state", "reminders", "discomfort", "care_advice", "natural_breaks"];

/// Refuses another program's database, read-only: run before anything is written to the file.
pub(super) fn refuse_foreign(conn: &Connection, path: &Path) -> anyhow::Result<()> {
    let looked = look(conn).with_context(|| format!("can't open the database {}", path.display()))?;
    let whose = match looked {
        Whose::Ours => return Ok(()),
        Whose::Id(id) => format!("its application id {:#010x} is another program's", id.cast_unsigned()),
        Whose::Tables(unknown) => format!("it has tables postured never made: {}", unknown.join(", ")),
    };
    bail!(
        "{} is not a postured database ({whose}); postured leaves it alone. Move it elsewhere and \
         postured will start a new one there",
        path.display()
    )
}

enum Whose {
    /// Ours, from before the id, or new and empty.
    Ours,
    /// Another program's id.
    Id(i32),
    /// No id, and these tables postured never made.
    Tables(Vec<String>),
}

fn look(conn: &Connection) -> rusqlite::Result<Whose> {
    let id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    if id == APPLICATION_ID {
        return Ok(Whose::Ours);
    }
    if id != 0 {
        return Ok(Whose::Id(id));
    }
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name",
    )?;
    let tables: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let unknown: Vec<String> =
        tables.into_iter().filter(|t| !TABLES_BEFORE_THE_ID.contains(&t.as_str())).collect();
    Ok(if unknown.is_empty() { Whose::Ours } else { Whose::Tables(unknown) })
}

/// Marks the database as postured's, once its schema is ours.
pub(super) fn claim(conn: &Connection) -> anyhow::Result<()> {
    let id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    if id != APPLICATION_ID {
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{FILE_NAME, MIGRATIONS, Store};
    use rusqlite::Connection;

    fn application_id(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "application_id", |r| r.get(0)).unwrap()
    }

    #[test]
    fn a_new_store_carries_our_application_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap().store;
        assert_eq!(application_id(&store.conn), i64::from(super::APPLICATION_ID));
    }

    #[test]
    fn another_programs_database_is_refused_and_left_untouched() {
        // One that says whose it is, and one that doesn't but has tables we never made.
        for (id, table) in [(0x4750_4B47, "places"), (0, "moz_places")] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(FILE_NAME);
            let theirs = Connection::open(&path).unwrap();
            theirs.pragma_update(None, "application_id", id).unwrap();
            theirs
                .execute_batch(&format!("CREATE TABLE {table} (url TEXT); INSERT INTO {table} VALUES ('x');"))
                .unwrap();
            drop(theirs);
            let before = std::fs::read(&path).unwrap();
            for to_read in [false, true] {
                let err = if to_read {
                    Store::open_to_read(dir.path()).err()
                } else {
                    Store::open(dir.path()).err()
                };
                let err = format!("{:#}", err.expect("refused"));
                assert!(err.contains(&format!("{} is not a postured database", path.display())), "{err}");
                assert!(err.contains("postured leaves it alone"), "{err}");
            }
            assert_eq!(std::fs::read(&path).unwrap(), before, "byte for byte");
            let names: Vec<_> =
                std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert_eq!(names, [FILE_NAME], "nothing set aside or added");
        }
    }

    #[test]
    fn a_store_cut_short_between_migrations_is_still_ours() {
        // As a `postured log` killed after the k-th migration committed leaves it, and as a
        // second process opening the store meanwhile sees it.
        for k in 1..=MIGRATIONS.len() {
            let dir = tempfile::tempdir().unwrap();
            let mut conn = Connection::open(dir.path().join(FILE_NAME)).unwrap();
            for (i, sql) in MIGRATIONS[..k].iter().enumerate() {
                super::super::migrate_step(&mut conn, i, sql).unwrap();
            }
            assert_eq!(application_id(&conn), i64::from(super::APPLICATION_ID), "after {k}");
            drop(conn);
            let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("after {k}: {e:#}")).store;
            assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
        }
    }

    #[test]
    fn a_database_from_postured_before_the_id_is_adopted_and_gets_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        // As the previous version left it: migrations 1 to 4, user_version 4, no id.
        let old = Connection::open(&path).unwrap();
        for sql in &MIGRATIONS[..4] {
            old.execute_batch(sql).unwrap();
        }
        old.pragma_update(None, "user_version", 4).unwrap();
        old.execute("INSERT INTO discomfort (at, logged_at, area, severity, source) VALUES ('2026-06-01T09:00:00.000Z', '2026-06-01T09:00:00.000Z', 'neck', 4, 'cli')", []).unwrap();
        drop(old);
        let store = Store::open(dir.path()).unwrap().store;
        assert_eq!(application_id(&store.conn), i64::from(super::APPLICATION_ID));
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
        assert_eq!(store.export_table("discomfort").unwrap().len(), 1);
    }
}
