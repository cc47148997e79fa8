//! `postured log`: a discomfort report, through the daemon when it runs (one writer), straight
//! into the store when it does not. Either way it is committed before we say "logged".

use super::ctl::{connect, run_async, said};
use crate::adapters::{clock, paths, store::Store};
use crate::core::Area;
use anyhow::Context;
use std::process::ExitCode;

const MAX_NOTE: usize = 1000;

/// An empty note is no note; a very long one is a mistake (or a paste gone wrong).
pub fn check_note(note: &str) -> Result<Option<String>, String> {
    let note = note.trim();
    match note.chars().count() {
        0 => Ok(None),
        n if n > MAX_NOTE => Err(format!("the note is {n} characters; at most {MAX_NOTE} are kept")),
        _ => Ok(Some(note.to_owned())),
    }
}

pub fn run(area: Area, severity: u8, note: Option<String>) -> anyhow::Result<ExitCode> {
    let note_text = note.unwrap_or_default();
    let note = check_note(&note_text).map_err(anyhow::Error::msg)?;
    let via_daemon = run_async(async {
        match connect().await {
            Ok(Some(d)) => d
                .log(area.as_str(), u32::from(severity), note.as_deref().unwrap_or(""))
                .await
                .map(Some)
                .map_err(said),
            // No daemon, or no bus at all: write the store ourselves.
            Ok(None) | Err(_) => Ok(None),
        }
    })?;
    let id = match via_daemon {
        Some(id) => id,
        None => {
            let dir = paths::state_dir().context("can't find a home folder for the state directory")?;
            let store = Store::open(&dir)?;
            let now = clock::now();
            store.log_discomfort(now, area, severity, note.as_deref(), "cli", now)?
        }
    };
    println!("Logged {} discomfort, {severity}/10 (report {id}).", area.words());
    Ok(ExitCode::SUCCESS)
}
