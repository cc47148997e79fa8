//! What the engine has on screen, per notification server: each notification with the server
//! that showed it, its id there, what it is about and when we close it ourselves. An id means
//! nothing without its server's unique bus name: servers number from scratch after a restart.

use super::conversation::Stage;
use crate::core::care::Finding;
use crate::core::{Area, Reminder};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What one notification is about.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum What {
    /// A reminder, or a question of the conversation that started from it.
    Reminder {
        /// Its row in the store.
        row: i64,
        reminder: Reminder,
        stage: Stage,
        /// Areas offered when logging from it.
        areas: Vec<Area>,
        /// Whether the reminder itself reached the screen (the row exists).
        delivered: bool,
        /// The body as shown, for the store.
        body: String,
    },
    Care {
        row: i64,
        finding: Finding,
        summary: String,
        body: String,
        /// Already given to a `Log` caller (row `row` exists): this is the same advice on
        /// screen, where it can be answered.
        copy: bool,
    },
    /// A confirmation with no buttons.
    Info,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Note {
    key: u64,
    pub server: String,
    /// `None` while the `Show` is on its way.
    pub id: Option<u32>,
    pub what: What,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A notification a run left on screen, as stored for the next run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leftover {
    pub server: String,
    pub id: u32,
    pub reminder_row: Option<i64>,
    pub advice_row: Option<i64>,
    /// Warning-sign advice is left for the user to close.
    pub warning: bool,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Screen {
    notes: Vec<Note>,
    next_key: u64,
}

impl Screen {
    pub fn add(&mut self, server: String, what: What, expires_at: Option<DateTime<Utc>>) -> u64 {
        self.next_key += 1;
        self.notes.push(Note { key: self.next_key, server, id: None, what, expires_at });
        self.next_key
    }

    /// The server took note `key` as `id`. Returns what it is, as it was before.
    pub fn delivered(&mut self, key: u64, server: &str, id: u32) -> Option<What> {
        let note = self.notes.iter_mut().find(|n| n.key == key && n.id.is_none())?;
        note.server = server.to_owned();
        note.id = Some(id);
        let before = note.what.clone();
        if let What::Reminder { delivered, .. } = &mut note.what {
            *delivered = true;
        }
        Some(before)
    }

    pub fn remove(&mut self, key: u64) -> Option<Note> {
        let i = self.notes.iter().position(|n| n.key == key)?;
        Some(self.notes.remove(i))
    }

    /// The notification `id` of `server`, taken off the screen.
    pub fn take(&mut self, server: &str, id: u32) -> Option<Note> {
        let i = self.notes.iter().position(|n| n.server == server && n.id == Some(id))?;
        Some(self.notes.remove(i))
    }

    pub fn put_back(&mut self, note: Note) {
        self.notes.push(note);
    }

    /// The reminder on screen at `stage`, taken off.
    pub fn take_reminder_at(&mut self, stage: Stage) -> Option<Note> {
        let i = self.notes.iter().position(|n| {
            n.id.is_some() && matches!(&n.what, What::Reminder { stage: s, .. } if *s == stage)
        })?;
        Some(self.notes.remove(i))
    }

    pub fn take_expired(&mut self, now: DateTime<Utc>) -> Vec<Note> {
        if self.next_expiry().is_none_or(|t| now < t) {
            return Vec::new();
        }
        self.take_where(|n| n.id.is_some() && n.expires_at.is_some_and(|t| now >= t))
    }

    pub fn take_server(&mut self, server: &str) -> Vec<Note> {
        self.take_where(|n| n.server == server)
    }

    pub fn take_all(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }

    fn take_where(&mut self, f: impl Fn(&Note) -> bool) -> Vec<Note> {
        let (out, keep) = std::mem::take(&mut self.notes).into_iter().partition(f);
        self.notes = keep;
        out
    }

    /// A question past the reminder itself is open.
    pub fn in_conversation(&self) -> bool {
        self.notes.iter().any(|n| matches!(n.what, What::Reminder { stage, .. } if stage != Stage::Reminder))
    }

    /// A reminder is on its way to the server.
    pub fn sending_reminder(&self) -> bool {
        self.notes.iter().any(|n| n.id.is_none() && matches!(n.what, What::Reminder { .. }))
    }

    /// The reminder (at any stage) on screen, if any.
    pub fn reminder(&self) -> Option<(Stage, Option<u32>)> {
        self.notes.iter().find_map(|n| match n.what {
            What::Reminder { stage, .. } => Some((stage, n.id)),
            _ => None,
        })
    }

    /// Advice for the same area and reason (or the same warning report) is already out.
    pub fn showing_care(&self, f: &Finding) -> bool {
        self.notes.iter().any(|n| match &n.what {
            What::Care { finding, .. } => {
                if f.reason.is_warning() {
                    finding.report == f.report && finding.reason.is_warning()
                } else {
                    let popping = |r| r == crate::core::care::Reason::Popping;
                    finding.area == f.area
                        && !finding.reason.is_warning()
                        && popping(finding.reason) == popping(f.reason)
                }
            }
            _ => false,
        })
    }

    pub fn next_expiry(&self) -> Option<DateTime<Utc>> {
        self.notes.iter().filter(|n| n.id.is_some()).filter_map(|n| n.expires_at).min()
    }

    pub fn leftovers(&self) -> Vec<Leftover> {
        self.notes
            .iter()
            .filter_map(|n| {
                let id = n.id?;
                let (reminder_row, advice_row, warning) = match &n.what {
                    What::Reminder { row, .. } => (Some(*row), None, false),
                    What::Care { row, finding, .. } => (None, Some(*row), finding.reason.is_warning()),
                    What::Info => (None, None, false),
                };
                Some(Leftover { server: n.server.clone(), id, reminder_row, advice_row, warning })
            })
            .collect()
    }
}
