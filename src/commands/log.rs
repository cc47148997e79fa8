//! `postured log`: a discomfort report, through the daemon when it runs (one writer), straight
//! into the store when it does not. Either way it is committed before we say "logged".

use super::ctl::{connect, run_async, said};
use crate::adapters::{clock, paths, store::Store};
use crate::core::Area;
use anyhow::{Context, anyhow, bail};
use std::io::Read;
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

const NOT_LOGGED: &str = "the report was not logged";

/// `--note -` reads the note from standard input; past this many bytes it is refused unread.
const MAX_NOTE_BYTES: usize = 4 * MAX_NOTE;

fn read_note(input: impl Read) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    input
        .take(MAX_NOTE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .context("can't read the note from standard input")?;
    if bytes.len() > MAX_NOTE_BYTES {
        bail!(
            "the note on standard input is over {MAX_NOTE_BYTES} bytes; at most {MAX_NOTE} characters are kept"
        );
    }
    String::from_utf8(bytes).map_err(|_| anyhow!("the note on standard input is not UTF-8 text"))
}

pub fn run(area: Area, severity: u8, note: Option<String>) -> anyhow::Result<ExitCode> {
    let note_text = match note {
        Some(dash) if dash == "-" => read_note(std::io::stdin().lock())?,
        other => other.unwrap_or_default(),
    };
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
            let opened = Store::open(&dir).context(NOT_LOGGED)?;
            if let Some(w) = opened.warning() {
                eprintln!("postured: {w}");
            }
            let store = opened.store;
            let now = clock::now();
            store
                .log_discomfort(now, area, severity, note.as_deref(), "cli", now)
                .with_context(|| format!("{NOT_LOGGED}: can't store it in {}", store.path().display()))?
        }
    };
    println!("Logged {} discomfort, {severity}/10 (report {id}).", area.words());
    Ok(ExitCode::SUCCESS)
}
