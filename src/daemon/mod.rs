//! The runtime loop: sleeps until the next deadline or event (timer, D-Bus call, notification
//! action, server change, Unix signal), lets the planner decide, and applies what it decided.

mod answers;
mod care;
pub mod conversation;
mod requests;
mod session;
mod status;

use crate::adapters::control::{BUS_NAME, Call, Control, INTERFACE, OBJECT_PATH};
use crate::adapters::notify::{self, Notifier, Server};
use crate::adapters::session::{SessionEvent, SessionWatch};
use crate::adapters::store::Store;
use crate::adapters::timer::{Wake, WallTimer};
use crate::adapters::{clock, paths};
use crate::config::{self, ConfigPath, Settings};
use crate::core::{Area, Conditions, Event, HoldReason, Kind, Outcome, Planner, Presence, Reminder};
use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use conversation::Stage;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tracing::{error, info, warn};

/// The notification on screen that we are waiting to hear back about.
#[derive(Debug, Clone)]
struct Open {
    id: u32,
    /// The reminder's row in the store.
    row: i64,
    kind: Kind,
    areas: Vec<Area>,
    stage: Stage,
    /// When we close it ourselves if the server has not: some servers ignore expiry.
    expires_at: DateTime<Utc>,
}

pub struct Daemon {
    which: ConfigPath,
    settings: Settings,
    planner: Planner,
    store: Store,
    conn: zbus::Connection,
    notifier: Notifier,
    server: Option<Server>,
    /// A reminder the server could not take, delivered when one is back.
    pending: Option<Reminder>,
    retry_at: Option<DateTime<Utc>>,
    retry_delay: Duration,
    open: Option<Open>,
    last_status: Option<crate::adapters::control::Status>,
    /// Do-not-disturb as last read from the server.
    dnd: bool,
    /// Care notifications on screen.
    care_open: Vec<care::CareOpen>,
    /// When held-back care advice may be shown (end of quiet hours or a pause, or a retry).
    care_retry_at: Option<DateTime<Utc>>,
    /// Lock, sleep and idle detection, and what it says about the user being here.
    session: SessionWatch,
    session_events: Option<BoxStream<'static, SessionEvent>>,
    presence: Presence,
}

const RETRY_FIRST: Duration = Duration::from_secs(2);
const RETRY_MAX: Duration = Duration::from_secs(300);
/// Past the notification's own expiry before we close it ourselves.
const EXPIRY_GRACE: chrono::Duration = chrono::Duration::seconds(2);

struct Signals {
    hup: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

/// Runs the daemon until SIGTERM or SIGINT.
pub fn run(config: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        // Handlers first: a SIGHUP right after "started:" must reload, not kill us.
        let signals = Signals {
            hup: signal(SignalKind::hangup())?,
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        };
        let (calls_tx, calls) = mpsc::channel(16);
        let mut daemon = Daemon::start(ConfigPath::from_arg(config), calls_tx).await?;
        daemon.serve(calls, signals).await
    })
}

impl Daemon {
    async fn start(which: ConfigPath, calls: mpsc::Sender<Call>) -> anyhow::Result<Daemon> {
        let settings = config::load(&which).map_err(anyhow::Error::new)?;
        for w in &settings.warnings {
            warn!("{w}");
        }
        let dir = paths::state_dir().context("can't find a home folder for the state directory")?;
        let opened = Store::open(&dir)?;
        if let Some(w) = opened.warning() {
            error!("{w}");
        }
        let store = opened.store;
        let saved = store.load_planner_state()?.unwrap_or_default();
        let planner = Planner::new(settings.rules.clone(), settings.catalog.clone(), saved);

        let conn = zbus::connection::Builder::session()
            .method_timeout(Duration::from_secs(5))
            .serve_at(OBJECT_PATH, Control { calls })
            .name(BUS_NAME)
            .allow_name_replacements(false)
            .replace_existing_names(false)
            .build()
            .await
            .map_err(|e| match e {
                zbus::Error::NameTaken => {
                    anyhow!("postured is already running on this session bus (it owns {BUS_NAME}); see `postured status`")
                }
                e => anyhow!("can't reach the D-Bus session bus: {e}"),
            })?;
        let notifier = Notifier::new(&conn).await?;
        let (session, session_events) = SessionWatch::start(&conn, settings.session.idle_threshold).await;
        let mut presence = Presence::default();
        if session.locked_at_start {
            presence.begin(crate::core::Away::Locked, clock::now());
        }
        let mut daemon = Daemon {
            which,
            settings,
            planner,
            store,
            conn,
            notifier,
            server: None,
            pending: None,
            retry_at: None,
            retry_delay: RETRY_FIRST,
            open: None,
            last_status: None,
            dnd: false,
            care_open: Vec::new(),
            care_retry_at: None,
            session,
            session_events: Some(session_events.boxed()),
            presence,
        };
        daemon.log_session();
        daemon.refresh_server().await;
        info!(
            "started: state in {}, config from {}",
            daemon.store.path().display(),
            daemon.settings.files.last().map(|p| p.display().to_string()).unwrap_or_default()
        );
        Ok(daemon)
    }

    async fn serve(&mut self, mut calls: mpsc::Receiver<Call>, sig: Signals) -> anyhow::Result<()> {
        let timer = WallTimer::new().context("can't create the wall-clock timer")?;
        // Subscribed before the first Notify, so no action or close is missed.
        let mut signals = Box::pin(notify::signals(&self.conn).await?);
        let mut servers = Box::pin(notify::server_changes(&self.conn).await?);
        let mut session =
            self.session_events.take().unwrap_or_else(|| futures_util::stream::pending().boxed());
        let Signals { mut hup, mut term, mut int } = sig;
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);

        loop {
            let now = clock::now();
            self.tick(now).await;
            self.publish_status(now).await;
            let wake = self.next_wake(now);
            tokio::select! {
                woke = timer.sleep_until(wake, now) => match woke {
                    Ok(Wake::ClockChanged) => {
                        info!("the wall clock was set; planning again");
                        self.planner.clock_changed(clock::now());
                    }
                    Ok(Wake::Deadline) => {}
                    Err(e) => error!("wall-clock timer failed: {e}"),
                },
                Some((request, reply)) = calls.recv() => {
                    let answer = self.handle(request).await;
                    let _ = reply.send(answer);
                }
                Some(sig) = signals.next() => self.on_signal(sig).await,
                Some(up) = servers.next() => self.on_server_change(up).await,
                Some(event) = session.next() => self.on_session(event).await,
                _ = hup.recv() => {
                    if let Err(e) = self.reload().await {
                        error!("reload failed, keeping the running config: {e}");
                    }
                }
                _ = term.recv() => break,
                _ = int.recv() => break,
            }
        }
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
        self.session.stop().await;
        self.save(clock::now());
        info!("stopped");
        Ok(())
    }

    fn next_wake(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let care_rules = &self.settings.care.rules;
        let care = [self.care_retry_at, self.planner.state.care.next_change(care_rules, now)];
        let care_expiry = self.care_open.iter().filter_map(|o| o.expires_at);
        [self.planner.next_wake(now), self.open.as_ref().map(|o| o.expires_at), self.retry_at]
            .into_iter()
            .chain(care)
            .flatten()
            .chain(care_expiry)
            .min()
    }

    fn save(&self, now: DateTime<Utc>) {
        if let Err(e) = self.store.save_planner_state(&self.planner.state, now) {
            error!("can't save the planner state: {e:#}");
        }
    }

    /// Everything due at `now`: planner steps, our own expiry of an unanswered notification, and
    /// a retry of a reminder the server could not take.
    async fn tick(&mut self, now: DateTime<Utc>) {
        let before = self.planner.state.clone();
        self.care_tick(now).await;
        self.expire_care(now).await;
        let away = self.presence.is_away();
        if self.planner.has_due(now) && self.server.is_some() && !away {
            self.dnd = self.notifier.do_not_disturb().await;
        }
        let dnd = self.dnd && self.planner.has_due(now);
        for event in self.planner.step_with(now, Conditions { dnd, away }) {
            match event {
                Event::Fired(r) => self.deliver(r, now).await,
                Event::Held { kind, reason: HoldReason::Away, .. } => {
                    info!(
                        "held back a {kind} reminder: {}; it comes when you are back",
                        HoldReason::Away.words()
                    );
                }
                Event::Held { kind, reason, until, dropped, .. } => {
                    let then = if dropped { "skipped for this working period" } else { "will try again" };
                    info!("held back a {kind} reminder: {} until {until}; {then}", reason.words());
                }
            }
        }
        if let Some(open) = self.open.clone().filter(|o| now >= o.expires_at) {
            let _ = self.notifier.close(open.id).await;
            self.finish(Some(Outcome::Expired), now);
        }
        if let (Some(at), Some(r)) = (self.retry_at, self.pending.clone())
            && now >= at
        {
            self.deliver(r, now).await;
        }
        if self.planner.state != before {
            self.save(now);
        }
    }

    async fn deliver(&mut self, r: Reminder, now: DateTime<Utc>) {
        let n = &self.settings.notifications;
        let mut message = conversation::reminder(&r, self.server.as_ref(), n.snooze, n.expire);
        if let Some(old) = self.open.take() {
            // One notification, replaced in place: the old one was not answered in time.
            message.replaces = old.id;
            self.record(old.row, Outcome::Expired, now);
        }
        match self.notifier.show(&message).await {
            Ok(id) => {
                if self.pending.take().is_some() || self.retry_at.is_some() {
                    info!("notification server reachable again; delivered the waiting reminder");
                }
                self.retry_at = None;
                self.retry_delay = RETRY_FIRST;
                let row =
                    match self.store.record_shown(now, r.kind, r.entry.as_deref(), &r.title, &message.body) {
                        Ok(row) => row,
                        Err(e) => {
                            error!("can't record a shown reminder: {e:#}");
                            -1
                        }
                    };
                let targets =
                    r.entry.as_deref().and_then(|e| self.planner.catalog.get(e)).map(|e| e.areas.clone());
                let recent = self.recent_areas(now);
                self.open = Some(Open {
                    id,
                    row,
                    kind: r.kind,
                    areas: conversation::areas_to_offer(&targets.unwrap_or_default(), &recent),
                    stage: Stage::Reminder,
                    expires_at: now + chrono::Duration::from_std(n.expire).unwrap_or_default() + EXPIRY_GRACE,
                });
            }
            Err(e) => {
                if self.pending.is_none() {
                    warn!(
                        "can't show a notification ({e}); it will be shown when a notification server is available"
                    );
                }
                self.pending = Some(r);
                self.retry_at = Some(now + chrono::Duration::from_std(self.retry_delay).unwrap_or_default());
                self.retry_delay = (self.retry_delay * 2).min(RETRY_MAX);
            }
        }
    }

    fn recent_areas(&self, now: DateTime<Utc>) -> Vec<Area> {
        let reports = self.store.reports_since(now - chrono::Duration::days(14)).unwrap_or_default();
        let mut areas: Vec<Area> = reports.iter().rev().map(|r| r.area).collect();
        areas.dedup();
        areas
    }

    fn record(&self, row: i64, outcome: Outcome, now: DateTime<Utc>) {
        if row >= 0
            && let Err(e) = self.store.record_outcome(row, outcome.as_str(), now)
        {
            error!("can't record an outcome: {e:#}");
        }
    }

    async fn on_server_change(&mut self, up: bool) {
        let now = clock::now();
        if up {
            self.refresh_server().await;
            if let Some(r) = self.pending.clone() {
                self.deliver(r, now).await;
            }
        } else {
            warn!("the notification server went away; reminders wait until one is back");
            self.server = None;
            // Its notifications are gone with it, and no close will come for them.
            self.finish(Some(Outcome::Dismissed), now);
        }
    }

    async fn refresh_server(&mut self) {
        match self.notifier.server().await {
            Ok(s) => {
                info!(
                    "notification server: {} {}{}",
                    s.name,
                    s.version,
                    if s.actions { "" } else { " (no buttons: log discomfort with `postured log`)" }
                );
                self.server = Some(s);
            }
            Err(e) => {
                if self.server.is_some() || self.last_status.is_none() {
                    warn!("no notification server yet ({e}); reminders will wait for one");
                }
                self.server = None;
            }
        }
    }

    /// Tells status bars when something they show changed.
    async fn publish_status(&mut self, now: DateTime<Utc>) {
        let status = self.status_cached(now);
        if self.last_status.as_ref() != Some(&status) {
            let emitted = self
                .conn
                .emit_signal(None::<&str>, OBJECT_PATH, INTERFACE, "StateChanged", &(status.clone(),))
                .await;
            if let Err(e) = emitted {
                warn!("can't emit StateChanged: {e}");
            }
            self.last_status = Some(status);
        }
    }
}
