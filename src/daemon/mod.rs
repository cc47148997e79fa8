//! The runtime loop, a thin executor around the engine (`core::engine`): it turns what happens
//! (timer, D-Bus call, notification action or close, server change, do-not-disturb change,
//! session signal, Unix signal, a stored report) into engine inputs, carries out the effects
//! the engine returns, and sleeps until the engine's next wake. It makes no decisions.

mod dnd;
mod presence;
mod writer;

use crate::adapters::control::{BUS_NAME, Call, Control, INTERFACE, OBJECT_PATH, Reply, Request, Status};
use crate::adapters::notify::{self, Notifier, OwnerChange, Signal};
use crate::adapters::session::{SessionEvent, SessionWatch};
use crate::adapters::store::Store;
use crate::adapters::timer::{Wake, WallTimer};
use crate::adapters::{clock, paths};
use crate::commands::log;
use crate::config::{self, ConfigPath};
use crate::core::engine::{self, Effect, Engine, Input, ReportFrom};
use crate::core::{Area, Away, ShownIn, Symptom, care};
use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use dnd::{Dnd, DndEvents};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, oneshot};
use tracing::{error, info, warn};
use writer::{PopJob, ReportJob, Writer};

pub struct Daemon {
    which: ConfigPath,
    files: Vec<PathBuf>,
    engine: Engine,
    writer: Writer,
    store_path: PathBuf,
    conn: zbus::Connection,
    notifier: Notifier,
    session: SessionWatch,
    session_events: Option<BoxStream<'static, SessionEvent>>,
    dnd: Dnd,
    dnd_events: Option<DndEvents>,
    /// Inputs that come back from elsewhere (the store thread).
    feedback: mpsc::UnboundedReceiver<Input>,
    /// `Log` calls waiting for their report to be stored.
    waiting_logs: HashMap<u64, oneshot::Sender<Result<Reply, String>>>,
    next_call: u64,
    last_status: Option<Status>,
}

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

/// The engine's settings from the config.
pub fn engine_settings(s: &config::Settings) -> engine::Settings {
    engine::Settings {
        rules: s.rules.clone(),
        catalog: s.catalog.clone(),
        care: s.care.rules.clone(),
        care_link: s.care.link.clone(),
        snooze: chrono::Duration::from_std(s.notifications.snooze).unwrap_or_default(),
        snooze_label: config::describe(s.notifications.snooze),
        expire: chrono::Duration::from_std(s.notifications.expire).unwrap_or_default(),
        lock_counts_as_break: s.session.lock_counts_as_break,
        after_busy: chrono::Duration::from_std(s.session.after_busy).unwrap_or_default(),
        after_unlock: chrono::Duration::from_std(s.session.after_unlock).unwrap_or_default(),
        busy_when: s.session.busy_when.clone(),
        toggle_pause: chrono::Duration::from_std(s.notifications.pause).unwrap_or_default(),
    }
}

impl Daemon {
    async fn start(which: ConfigPath, calls: mpsc::Sender<Call>) -> anyhow::Result<Daemon> {
        let settings = config::load(&which).map_err(anyhow::Error::new)?;
        for w in &settings.warnings {
            warn!("{w}");
        }
        // The bus name first: a second instance stops here, before touching the store the
        // first one uses. Calls that arrive meanwhile wait in the channel.
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
        let dir = paths::state_dir().context("can't find a home folder for the state directory")?;
        let opened = Store::open(&dir)?;
        if let Some(w) = opened.warning() {
            error!("{w}");
        }
        let store = opened.store;
        let now = clock::now();
        let state = store.load_planner_state()?.unwrap_or_default();
        let reports = store.logged_since(now - care::LOOKBACK)?;
        let rows = store.last_rows()?;
        let store_path = store.path().to_owned();
        let pops = store.pops_since(now - care::LOOKBACK)?;
        let engine = Engine::new(engine_settings(&settings), state, reports, rows).with_pops(pops);
        let (feedback_tx, feedback) = mpsc::unbounded_channel();
        let writer = Writer::start(store, feedback_tx).context("can't start the store thread")?;

        let notifier = Notifier::new(&conn).await?;
        let (session, session_events) = SessionWatch::start(&conn, settings.session.idle_threshold).await;
        let (dnd, dnd_events) = Dnd::start(&conn).await?;
        let mut daemon = Daemon {
            which,
            files: settings.files.clone(),
            engine,
            writer,
            store_path,
            conn,
            notifier,
            session,
            session_events: Some(session_events.boxed()),
            dnd,
            dnd_events: Some(dnd_events),
            feedback,
            waiting_logs: HashMap::new(),
            next_call: 0,
            last_status: None,
        };
        daemon.log_session();
        if daemon.session.locked_at_start {
            daemon.input(Input::Away { cause: Away::Locked, since: now }).await;
        }
        if daemon.session.inhibited_at_start {
            daemon.input(Input::Busy { cause: crate::core::Busy::Inhibit, on: true }).await;
        }
        daemon.idle_for(daemon.session.idle_at_start.map(crate::adapters::session::IdleNow::Idle)).await;
        info!(
            "started: state in {}, config from {}",
            daemon.store_path.display(),
            daemon.files.last().map(|p| p.display().to_string()).unwrap_or_default()
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
        let DndEvents { desktop: mut desktop_dnd, xfconf: mut xfconf_dnd } =
            self.dnd_events.take().unwrap_or_else(DndEvents::none);
        let Signals { mut hup, mut term, mut int } = sig;
        self.find_server().await;
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
        self.publish_status().await;
        // Start-up is over: what it ran is not needed while idle.
        let released = crate::adapters::memory::release_startup_code();
        tracing::debug!("handed {} KiB of start-up code back to the kernel", released / 1024);

        loop {
            self.publish_status().await;
            let now = clock::now();
            let wake = self.engine.next_wake(now);
            tokio::select! {
                woke = timer.sleep_until(wake, now) => match woke {
                    Ok(Wake::ClockChanged) => {
                        info!("the wall clock was set; planning again");
                        self.input(Input::ClockChanged).await;
                    }
                    Ok(Wake::Deadline) => {
                        self.read_unannounced_dnd().await;
                        self.input(Input::Tick).await;
                    }
                    Err(e) => {
                        error!("wall-clock timer failed: {e}");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                },
                Some((request, reply)) = calls.recv() => self.call(request, reply).await,
                Some(signal) = signals.next() => self.on_signal(signal).await,
                Some(change) = servers.next() => self.on_owner_change(change).await,
                Some(event) = session.next() => self.on_session(event).await,
                Some(on) = desktop_dnd.next() => self.on_desktop_dnd(on).await,
                Some(()) = xfconf_dnd.next() => self.on_xfconf_dnd().await,
                Some(input) = self.feedback.recv() => self.input(input).await,
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
        self.input(Input::Shutdown).await;
        self.session.stop().await;
        self.writer.flush().await;
        info!("stopped");
        Ok(())
    }

    /// Hands one input to the engine and carries out what it decides, including the inputs
    /// that carrying it out produces (a notification delivered, or not).
    async fn input(&mut self, first: Input) {
        let mut queue = VecDeque::from([first]);
        while let Some(input) = queue.pop_front() {
            let effects = self.engine.handle(input, clock::now());
            for effect in effects {
                if let Some(next) = self.execute(effect).await {
                    queue.push_back(next);
                }
            }
        }
    }

    async fn execute(&mut self, effect: Effect) -> Option<Input> {
        match effect {
            Effect::Show { note, server, replaces, message } => {
                match self.notifier.show(&server, &message, replaces.unwrap_or(0)).await {
                    Ok(id) => Some(Input::Shown { note, server, id }),
                    Err(e) => Some(Input::NotShown { note, error: e.to_string() }),
                }
            }
            Effect::Close { server, id } => {
                let _ = self.notifier.close(&server, id).await;
                None
            }
            Effect::Store(record) => {
                self.writer.record(record);
                None
            }
            Effect::StoreReport(r) => {
                self.writer.report(ReportJob {
                    from: ReportFrom::Notification,
                    at: r.at,
                    area: r.area,
                    severity: r.severity,
                    symptoms: r.symptoms,
                    note: None,
                    source: "notification".to_owned(),
                    now: clock::now(),
                });
                None
            }
            Effect::StorePop { at } => {
                self.writer.pop(PopJob {
                    from: ReportFrom::Notification,
                    at,
                    source: "notification".to_owned(),
                    now: clock::now(),
                });
                None
            }
            Effect::OpenLink(link) => {
                open_link(&self.conn, &link);
                None
            }
            Effect::Held { kind, reason, until, dropped, .. } => {
                let zone = self.engine.planner.rules.zone;
                if reason.waits() {
                    info!("held back a {kind} reminder: {}; it comes once that ends", reason.words());
                } else {
                    let then = if dropped { "skipped for this working period" } else { "will try again" };
                    let until = zone.format(until, "%a %Y-%m-%d %H:%M:%S");
                    info!("held back a {kind} reminder: {} until {until}; {then}", reason.words());
                }
                None
            }
            Effect::Say { warn: true, text } => {
                warn!("{text}");
                None
            }
            Effect::Say { warn: false, text } => {
                info!("{text}");
                None
            }
            Effect::Logged { call, result } => {
                if let Some(reply) = self.waiting_logs.remove(&call) {
                    let _ = reply.send(
                        result
                            .map(|(id, advice)| Reply::Logged(id, advice))
                            .map_err(|e| format!("can't store the report: {e}")),
                    );
                }
                None
            }
        }
    }

    /// Asks who owns the notification name now, and tells the engine.
    async fn find_server(&mut self) {
        match self.notifier.server().await {
            Ok(s) => {
                let label = format!("{} {}", s.name, s.version);
                let dnd = self.server_dnd(&s.unique, &s.name, &label).await;
                self.input(Input::ServerUp { name: s.unique, label, actions: s.actions, dnd }).await;
            }
            Err(e) => {
                if self.engine.server().is_some() || self.last_status.is_none() {
                    warn!("no notification server yet ({e}); reminders will wait for one");
                }
                self.input(Input::Tick).await;
            }
        }
    }

    async fn on_owner_change(&mut self, change: OwnerChange) {
        if let Some(old) = change.old {
            self.dnd.server_gone(&old);
            self.input(Input::ServerGone { name: old }).await;
        }
        if change.new.is_some() {
            self.find_server().await;
        }
    }

    async fn on_signal(&mut self, signal: Signal) {
        let input = match signal {
            Signal::Action { sender, id, key } => Input::Action { server: sender, id, key },
            Signal::Closed { sender, id, reason } => Input::Closed { server: sender, id, reason },
            Signal::PropertiesChanged { sender } => {
                if self.engine.server().is_none_or(|s| s.name != sender) {
                    return;
                }
                Input::Dnd(self.do_not_disturb(&sender).await)
            }
        };
        self.input(input).await;
    }

    async fn reload(&mut self) -> Result<String, String> {
        let settings = config::load(&self.which).map_err(|e| e.to_string())?;
        for w in &settings.warnings {
            warn!("{w}");
        }
        let idle = self.session.set_threshold(settings.session.idle_threshold).await;
        let from = settings.files.last().map(|p| p.display().to_string()).unwrap_or_default();
        self.files = settings.files.clone();
        self.input(Input::Settings(Box::new(engine_settings(&settings)))).await;
        self.idle_for(idle).await;
        info!("reloaded the config from {from}");
        Ok(format!("reloaded {from}"))
    }

    async fn call(&mut self, request: Request, reply: oneshot::Sender<Result<Reply, String>>) {
        let now = clock::now();
        let zone = self.engine.planner.rules.zone;
        let answer = match request {
            Request::Status => Ok(Reply::Status(Box::new(self.status(now)))),
            Request::Pause(seconds) => {
                let until = seconds.map(|s| now + seconds_capped(s, 366 * 86_400));
                self.input(Input::Pause(until)).await;
                let until = self.engine.planner.state.limits.paused_until.unwrap_or(now);
                Ok(Reply::Done(format!("paused until {}", when(&zone, until, now))))
            }
            Request::Resume => {
                self.input(Input::Resume).await;
                Ok(Reply::Done("resumed".to_owned()))
            }
            Request::Toggle => {
                self.input(Input::Toggle).await;
                Ok(Reply::Done(match self.engine.planner.state.limits.paused_until.filter(|u| *u > now) {
                    Some(until) => format!("paused until {}", when(&zone, until, now)),
                    None => "resumed".to_owned(),
                }))
            }
            Request::Snooze(seconds) => {
                let until = now + seconds_capped(seconds, 86_400);
                self.input(Input::Snooze(until)).await;
                Ok(Reply::Done(format!("snoozed until {}", when(&zone, until, now))))
            }
            Request::Reload => self.reload().await.map(Reply::Done),
            Request::Log { source, area, severity, symptoms, note, at } => {
                match check_source(&source)
                    .and_then(|()| read_log(&area, severity, &symptoms, &note, at, now))
                {
                    Ok((area, severity, symptoms, note, at)) => {
                        let shown_in = if source == "cli" { ShownIn::Terminal } else { ShownIn::Dbus };
                        self.next_call += 1;
                        let call = self.next_call;
                        self.waiting_logs.insert(call, reply);
                        self.writer.report(ReportJob {
                            from: ReportFrom::Call(call, shown_in),
                            at,
                            area,
                            severity,
                            symptoms,
                            note,
                            source,
                            now,
                        });
                        return;
                    }
                    Err(e) => Err(e),
                }
            }
            Request::LogPop { source, at } => {
                let at = if at == 0 { Ok(now) } else { log::check_at(DateTime::from_timestamp(at, 0), now) };
                match check_source(&source).and(at) {
                    Ok(at) => {
                        let shown_in = if source == "cli" { ShownIn::Terminal } else { ShownIn::Dbus };
                        self.next_call += 1;
                        let call = self.next_call;
                        self.waiting_logs.insert(call, reply);
                        self.writer.pop(PopJob { from: ReportFrom::Call(call, shown_in), at, source, now });
                        return;
                    }
                    Err(e) => Err(e),
                }
            }
        };
        let _ = reply.send(answer);
    }

    fn status(&self, now: DateTime<Utc>) -> Status {
        let s = self.engine.status(now);
        let zone = self.engine.planner.rules.zone;
        let at = |t: Option<DateTime<Utc>>| t.map(|t| zone.rfc3339(t)).unwrap_or_default();
        let server = self.engine.server();
        Status {
            state: s.state.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            next_at: at(s.next.as_ref().map(|n| n.at)),
            next_kind: s.next.as_ref().map(|n| n.kind.to_string()).unwrap_or_default(),
            next_why: s
                .next
                .as_ref()
                .map(|n| n.why.to_owned())
                .or(s.waiting.map(str::to_owned))
                .unwrap_or_default(),
            paused_until: at(s.paused_until),
            snoozed_until: at(s.snoozed_until),
            next_wake: at(s.next_wake),
            shown_today: s.shown_today,
            max_per_day: s.max_per_day,
            shown_last_hour: s.shown_last_hour,
            max_per_hour: s.max_per_hour,
            server: server.map(|s| s.label.clone()).unwrap_or_default(),
            server_actions: server.is_some_and(|s| s.actions),
            dnd: s.dnd,
            dnd_sources: self.dnd_sources(),
            away: s.away.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "),
            lock: self.session.lock.clone(),
            idle: self.session.idle(),
            busy: s.busy.iter().map(|c| c.words()).collect::<Vec<_>>().join(", "),
            busy_sources: self.session.busy_sources(&self.engine.settings().busy_when),
            config_files: self.files.iter().map(|f| f.display().to_string()).collect(),
            store: self.store_path.display().to_string(),
        }
    }

    /// Tells status bars when something they show changed.
    async fn publish_status(&mut self) {
        let status = self.status(clock::now());
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

fn seconds_capped(seconds: u64, cap: i64) -> chrono::Duration {
    chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX).min(cap))
}

/// "14:30" today, "Wed 2026-12-02 14:30" on another day.
fn when(zone: &crate::core::Zone, t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if zone.date(t) == zone.date(now) { zone.format(t, "%H:%M") } else { zone.format(t, "%a %Y-%m-%d %H:%M") }
}

type ReadLog = (Area, u8, Vec<Symptom>, Option<String>, DateTime<Utc>);

/// A `Log` call's arguments, checked as the CLI checks them.
/// The name a `LogFrom` caller gives itself, stored as the report's source.
fn check_source(source: &str) -> Result<(), String> {
    let fits = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.');
    if source.is_empty() || source.len() > 32 || !source.chars().all(fits) {
        return Err(format!(
            "the source must be 1 to 32 of a-z, 0-9, '-', '_' and '.', got {:?}",
            source.chars().take(40).collect::<String>()
        ));
    }
    if source == "notification" {
        return Err("the source `notification` is postured's own; name your program".to_owned());
    }
    Ok(())
}

fn read_log(
    area: &str,
    severity: u32,
    symptoms: &[String],
    note: &str,
    at: i64,
    now: DateTime<Utc>,
) -> Result<ReadLog, String> {
    let area: Area = area.parse()?;
    let severity = u8::try_from(severity)
        .ok()
        .filter(|s| *s <= 10)
        .ok_or_else(|| format!("severity must be from 0 to 10, got {severity}"))?;
    let mut symptoms = symptoms.iter().map(|s| s.parse::<Symptom>()).collect::<Result<Vec<_>, _>>()?;
    symptoms.sort();
    symptoms.dedup();
    let note = log::check_note(note)?;
    let at = if at == 0 { now } else { log::check_at(DateTime::from_timestamp(at, 0), now)? };
    Ok((area, severity, symptoms, note, at))
}

/// Opens the user's care link in their browser, never waiting for it: through the desktop
/// portal's `OpenURI` where there is one (the browser then starts outside postured's sandbox),
/// otherwise with `xdg-open`.
fn open_link(conn: &zbus::Connection, link: &str) {
    let (conn, link) = (conn.clone(), link.to_owned());
    tokio::spawn(async move {
        let options: HashMap<&str, zbus::Variant<'_>> = HashMap::new();
        let portal = conn
            .call_method(
                Some("org.freedesktop.portal.Desktop"),
                "/org/freedesktop/portal/desktop",
                Some("org.freedesktop.portal.OpenURI"),
                "OpenURI",
                &("", link.as_str(), options),
            )
            .await;
        if portal.is_ok() {
            return;
        }
        let spawned = tokio::process::Command::new("xdg-open")
            .arg(&link)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        match spawned {
            Ok(mut child) => {
                let _ = child.wait().await;
            }
            Err(e) => warn!("can't open {link}: no desktop portal, and xdg-open failed: {e}"),
        }
    });
}
