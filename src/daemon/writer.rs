//! The store on a thread of its own: the engine's records are written in order without ever
//! blocking the runtime thread, so D-Bus calls are answered promptly whatever SQLite is doing
//! (a busy lock held by `report`, `forget`'s VACUUM). Results that the engine waits for come
//! back as inputs.

use crate::adapters::store::{NewReport, Store};
use crate::core::engine::{Input, Record, ReportFrom};
use crate::core::{Area, Logged, Symptom};
use chrono::{DateTime, Utc};
use std::sync::mpsc;
use tokio::sync::mpsc::UnboundedSender;
use tracing::error;

/// A report to store, from the conversation or a `Log` call.
pub struct ReportJob {
    pub from: ReportFrom,
    pub at: DateTime<Utc>,
    pub area: Area,
    pub severity: u8,
    pub symptoms: Vec<Symptom>,
    pub note: Option<String>,
    pub source: String,
    pub now: DateTime<Utc>,
}

/// A pop to store, from the reminder's button or a `LogPop` call.
pub struct PopJob {
    pub from: ReportFrom,
    pub at: DateTime<Utc>,
    pub source: String,
    pub now: DateTime<Utc>,
}

enum Job {
    Record(Record),
    Report(ReportJob),
    Pop(PopJob),
    /// Answered once everything before it is written.
    Flush(tokio::sync::oneshot::Sender<()>),
}

pub struct Writer {
    jobs: mpsc::Sender<Job>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Writer {
    /// Starts the thread; stored reports come back on `inputs`.
    pub fn start(store: Store, inputs: UnboundedSender<Input>) -> std::io::Result<Writer> {
        let (jobs, rx) = mpsc::channel();
        let thread = std::thread::Builder::new().name("store".into()).spawn(move || {
            for job in rx {
                run(&store, job, &inputs);
            }
        })?;
        Ok(Writer { jobs, thread: Some(thread) })
    }

    pub fn record(&self, r: Record) {
        let _ = self.jobs.send(Job::Record(r));
    }

    pub fn report(&self, job: ReportJob) {
        let _ = self.jobs.send(Job::Report(job));
    }

    pub fn pop(&self, job: PopJob) {
        let _ = self.jobs.send(Job::Pop(job));
    }

    /// Waits until everything sent so far is written.
    pub async fn flush(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.jobs.send(Job::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Closing the channel ends the thread after the jobs already sent.
        let (closed, _) = mpsc::channel();
        self.jobs = closed;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(store: &Store, job: Job, inputs: &UnboundedSender<Input>) {
    match job {
        Job::Record(r) => {
            if let Err(e) = write(store, &r) {
                error!("can't write to the store: {e:#}");
            }
        }
        Job::Report(j) => {
            let report = NewReport {
                at: j.at,
                area: j.area,
                severity: j.severity,
                symptoms: &j.symptoms,
                note: j.note.as_deref(),
                source: &j.source,
            };
            let input = match store.log_discomfort(&report, j.now) {
                Ok(id) => Input::ReportStored {
                    from: j.from,
                    report: Logged {
                        id,
                        at: j.at,
                        logged_at: j.now,
                        area: j.area,
                        severity: j.severity,
                        symptoms: j.symptoms,
                    },
                },
                Err(e) => Input::ReportFailed { from: j.from, error: format!("{e:#}") },
            };
            let _ = inputs.send(input);
        }
        Job::Pop(j) => {
            let input = match store.log_pop(j.at, j.now, &j.source) {
                Ok(id) => Input::PopStored { from: j.from, id, at: j.at },
                Err(e) => Input::ReportFailed { from: j.from, error: format!("{e:#}") },
            };
            let _ = inputs.send(input);
        }
        Job::Flush(done) => {
            let _ = done.send(());
        }
    }
}

fn write(store: &Store, r: &Record) -> anyhow::Result<()> {
    match r {
        Record::Shown { row, reminder, body } => store.record_shown(
            *row,
            reminder.at,
            reminder.kind,
            reminder.entry.as_deref(),
            &reminder.title,
            body,
        ),
        Record::Outcome { row, outcome, at } => store.record_outcome(*row, outcome.as_str(), *at).map(|_| ()),
        Record::Advice { row, at, finding, summary, body, shown_in } => {
            store.record_advice(Some(*row), *at, finding, summary, body, *shown_in).map(|_| ())
        }
        Record::AdviceAlsoShown { row, shown_in } => store.advice_also_shown(*row, *shown_in),
        Record::AdviceOutcome { row, outcome, at } => {
            store.record_advice_outcome(*row, outcome, *at).map(|_| ())
        }
        Record::NaturalBreak { kind, from, to, causes } => {
            store.record_natural_break(*kind, *from, *to, causes).map(|_| ())
        }
        Record::State(state) => store.save_planner_state(state, crate::adapters::clock::now()),
    }
}
