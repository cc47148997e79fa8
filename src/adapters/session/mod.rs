//! Whether the user is at the machine, from events only (never polled): logind on the system
//! bus for lock and sleep (`logind`); for idle, GNOME's Mutter IdleMonitor, else the compositor's
//! `ext-idle-notify-v1` or `org_kde_kwin_idle` (`wayland`), else the X server's SYNC `IDLETIME`
//! alarms (`x11`); and `org.freedesktop.ScreenSaver` turning on and off besides. Busy: idle
//! inhibited (logind, GNOME's session manager), the camera (`camera`) and a full-screen window:
//! in an X11 session from the X server (`x11`, on the same X connection as its idle alarms),
//! under Wayland from sway's, i3's or Hyprland's IPC (`wm`).
//!
//! Every match rule is in place before any state is read or any watch is added, so nothing that
//! happens in between is missed. What can't be reached is reported (see `lock` and `idle`), and
//! the daemon carries on with plain schedules.

mod camera;
mod logind;
mod wayland;
mod wm;
mod x11;

use crate::adapters::bus::follow_name;
use crate::core::Busy;
use futures_util::stream::{BoxStream, select_all};
use futures_util::{Stream, StreamExt};
use std::collections::BTreeSet;
use std::time::Duration;
use zbus::message::Type as MessageType;
use zbus::proxy::CacheProperties;
use zbus::{Connection, MatchRule, Message, MessageStream, proxy};

pub const MUTTER: &str = "org.gnome.Mutter.IdleMonitor";
pub const SCREENSAVER: &str = "org.freedesktop.ScreenSaver";
const GNOME_SM: &str = "org.gnome.SessionManager";
const GNOME_INHIBIT: &str = "GNOME SessionManager inhibitors";
const LOGIND_INHIBIT: &str = "logind BlockInhibited";
const GNOME_SM_PATH: &str = "/org/gnome/SessionManager";
/// `IsInhibited`'s flag for "inhibit the session being marked as idle".
const GNOME_INHIBIT_IDLE: u32 = 8;

#[proxy(
    interface = "org.gnome.SessionManager",
    default_service = "org.gnome.SessionManager",
    default_path = "/org/gnome/SessionManager"
)]
trait GnomeSession {
    /// Never starts a session manager: asked only while one runs.
    #[zbus(no_autostart)]
    fn is_inhibited(&self, flags: u32) -> zbus::Result<bool>;
}

#[proxy(
    interface = "org.gnome.Mutter.IdleMonitor",
    default_service = "org.gnome.Mutter.IdleMonitor",
    default_path = "/org/gnome/Mutter/IdleMonitor/Core"
)]
trait IdleMonitor {
    fn add_idle_watch(&self, interval_ms: u64) -> zbus::Result<u32>;
    fn add_user_active_watch(&self) -> zbus::Result<u32>;
    fn remove_watch(&self, id: u32) -> zbus::Result<()>;
    /// Milliseconds since the last input.
    fn get_idletime(&self) -> zbus::Result<u64>;
}

/// Something the desktop or logind said about the user's presence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    /// The session was locked (`true`) or unlocked: `Lock`/`Unlock` or `LockedHint`.
    Locked(bool),
    /// logind's `PrepareForSleep`: `true` before suspend, `false` after resume.
    Sleep(bool),
    /// A Mutter idle or user-active watch fired.
    WatchFired(u32),
    /// The screen saver came on (`true`) or went off.
    ScreenSaver(bool),
    /// An idle service (`MUTTER` or `SCREENSAVER`) appeared (`true`) or went away.
    Service(&'static str, bool),
    /// The Wayland or X11 idle source: no input for this long (at least the threshold).
    Idle(Duration),
    /// The Wayland or X11 idle source: input again after being idle.
    Active,
    /// The Wayland or X11 idle source's connection is lost.
    IdleGone,
    /// logind's `BlockInhibited` contains `idle` (`true`: a call, a video, a presentation).
    Inhibited(bool),
    /// GNOME's session manager has an idle inhibitor (`IsInhibited(8)`), read again whenever
    /// an inhibitor comes or goes, or the session manager does (`None`: it is gone).
    GnomeInhibited(Option<bool>),
    /// A camera device is open (`true`) or the last one was closed.
    Camera(bool),
    /// The active window went full screen (`true`) or no longer is (X11, or the compositor's IPC).
    Fullscreen(bool),
}

/// Whether the user is idle by a (new) threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleNow {
    /// For this long.
    Idle(Duration),
    Here,
}

/// The compositor's or X server's own idle source, used where Mutter is not there.
enum Native {
    Wayland(wayland::WaylandIdle),
    X11(x11::X11Idle),
}

/// What the Mutter watch that is armed now waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Armed {
    None,
    Idle(u32),
    Active(u32),
}

pub struct SessionWatch {
    /// Kept open for the signals on it.
    _system: Option<Connection>,
    /// How lock and sleep are detected, for `status`: "logind" or "not available (why)".
    pub lock: String,
    pub locked_at_start: bool,
    /// How long the user had been idle at start, if at least the threshold.
    pub idle_at_start: Option<Duration>,
    /// Something inhibited idle at start.
    pub inhibited_at_start: bool,
    /// Idle inhibited now by logind's and by GNOME's inhibitors: busy while either is.
    inhibited_by: (bool, bool),
    /// How being busy is seen, for `status`: "logind BlockInhibited", "camera (...)".
    busy_sources: Vec<(Busy, String)>,
    mutter: IdleMonitorProxy<'static>,
    pub mutter_up: bool,
    pub screensaver_up: bool,
    threshold: Duration,
    idle_watch: Option<u32>,
    armed: Armed,
    native: Option<Native>,
    /// What the native source is, for `status`: "X11 SYNC IDLETIME (The X.Org Foundation)".
    native_name: String,
    /// The X11 idle alarms, until the X connection's event stream takes them.
    x11_alarms: Option<(x11rb::protocol::sync::Alarm, x11rb::protocol::sync::Alarm)>,
}

/// What a fired Mutter watch meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    /// No input for the idle threshold.
    Idle,
    /// Input again after being idle.
    Active,
    /// The idle watch fired, but there was input before the user-active watch was in place:
    /// idle for the threshold and back already.
    IdleAndBack,
    /// Not one of ours (a stale id).
    Other,
}

impl SessionWatch {
    /// Subscribes to everything, then reads the lock state and arms the idle watch. Never fails:
    /// what can't be reached is reported in `lock` and `idle()`.
    pub async fn start(
        session: &Connection,
        threshold: Duration,
    ) -> (SessionWatch, impl Stream<Item = SessionEvent> + use<>) {
        let mut streams: Vec<BoxStream<'static, SessionEvent>> = Vec::new();
        let (mutter_up, screensaver_up) = match session_streams(session).await {
            Ok((s, running)) => {
                streams.extend(s);
                running
            }
            Err(e) => {
                tracing::warn!("can't follow idle signals on the session bus: {e}");
                (false, false)
            }
        };
        let mut busy_sources = Vec::new();
        let (system, lock, locked_at_start, inhibited_at_start) = match logind::start(&mut streams).await {
            Ok((conn, path, locked, inhibited)) => {
                if inhibited.is_some() {
                    busy_sources.push((Busy::Inhibit, LOGIND_INHIBIT.to_owned()));
                }
                (Some(conn), format!("logind ({})", path.as_str()), locked, inhibited.unwrap_or(false))
            }
            Err(why) => (None, format!("not available ({why})"), false, false),
        };
        let gnome_inhibited = match gnome_inhibitors(session).await {
            Ok((now, stream)) => {
                streams.push(stream);
                if now.is_some() {
                    busy_sources.push((Busy::Inhibit, GNOME_INHIBIT.to_owned()));
                }
                now.unwrap_or(false)
            }
            Err(e) => {
                tracing::info!("can't follow GNOME's idle inhibitors: {e}");
                false
            }
        };
        match camera::watch() {
            Ok((name, stream)) => {
                busy_sources.push((Busy::Camera, name));
                streams.push(stream);
            }
            Err(e) => {
                tracing::info!("can't watch the camera devices in {}: {e}", camera::video_dir().display())
            }
        }
        let mutter = IdleMonitorProxy::builder(session)
            .cache_properties(CacheProperties::No)
            .build()
            .await
            .expect("a proxy with constant, valid names");
        let mut watch = SessionWatch {
            _system: system,
            lock,
            locked_at_start,
            idle_at_start: None,
            inhibited_at_start: inhibited_at_start || gnome_inhibited,
            inhibited_by: (inhibited_at_start, gnome_inhibited),
            busy_sources,
            mutter,
            mutter_up,
            screensaver_up,
            threshold,
            idle_watch: None,
            armed: Armed::None,
            native: None,
            native_name: String::new(),
            x11_alarms: None,
        };
        if watch.mutter_up {
            watch.idle_at_start = watch.arm_idle().await;
        }
        // `arm_idle` gives up on a Mutter that refuses the watch.
        let mut display = None;
        if !watch.mutter_up
            && let Some(stream) = watch.start_native(&mut display)
        {
            streams.push(stream);
        }
        // Full screen from the X server only in an X11 session: under Wayland, Xwayland's root
        // window knows nothing of the desktop's windows.
        let set = |name: &str| std::env::var_os(name).is_some_and(|d| !d.is_empty());
        let x11_session = set("DISPLAY") && !set("WAYLAND_DISPLAY") && !set("WAYLAND_SOCKET");
        let mut full = None;
        if x11_session {
            if display.is_none() {
                display = x11::X11::connect()
                    .map_err(|e| tracing::info!("can't follow full screen on the X server: {e}"))
                    .ok();
            }
            if let Some(x) = &display {
                match x.fullscreen() {
                    Ok(f) => {
                        watch
                            .busy_sources
                            .push((Busy::Fullscreen, "X11 full screen (_NET_WM_STATE)".to_owned()));
                        full = Some(f);
                    }
                    Err(e) => tracing::info!("can't follow full screen on the X server: {e}"),
                }
            }
        }
        // Under Wayland, from the compositor's own IPC where it is one we know.
        if (set("WAYLAND_DISPLAY") || set("WAYLAND_SOCKET"))
            && let Some(wm) = wm::Compositor::from_env()
        {
            match wm.follow().await {
                Ok((source, stream)) => {
                    watch.busy_sources.push((Busy::Fullscreen, source));
                    streams.push(stream);
                }
                Err(e) => tracing::info!("can't follow full screen on {}: {e}", wm.name()),
            }
        }
        if let Some(x) = display {
            match x.events(watch.x11_alarms.take(), full) {
                Ok(stream) => streams.push(stream),
                Err(e) => {
                    tracing::warn!("can't read the X server's events: {e}");
                    watch.native_gone();
                }
            }
        }
        (watch, select_all(streams))
    }

    /// The compositor's or X server's idle source where there is no Mutter (on GNOME, Mutter's
    /// watches are what the desktop itself uses); Wayland first, since under Xwayland the X
    /// server sees only its own clients' input. Sets `idle_at_start` if the user is idle already.
    /// The X server's alarms are read from the daemon's X connection, which this opens into
    /// `display`.
    fn start_native(&mut self, display: &mut Option<x11::X11>) -> Option<BoxStream<'static, SessionEvent>> {
        let set = |name: &str| std::env::var_os(name).is_some_and(|d| !d.is_empty());
        if set("WAYLAND_DISPLAY") || set("WAYLAND_SOCKET") {
            match wayland::WaylandIdle::start(self.threshold) {
                Ok((w, stream)) => {
                    self.native_name = w.name.clone();
                    self.native = Some(Native::Wayland(w));
                    return Some(stream);
                }
                Err(e) => tracing::info!("no Wayland idle notifications: {e}"),
            }
        }
        if std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()) {
            match x11::X11::connect().and_then(|d| Ok((x11::X11Idle::start(&d, self.threshold)?, d))) {
                Ok(((x, idle), d)) => {
                    self.x11_alarms = Some(x.alarms());
                    self.native_name = format!("X11 SYNC IDLETIME ({})", x.vendor);
                    self.native = Some(Native::X11(x));
                    self.idle_at_start = idle;
                    *display = Some(d);
                }
                Err(e) => tracing::info!("no X11 idle counter: {e}"),
            }
        }
        None
    }

    /// The native idle source's connection is gone.
    pub fn native_gone(&mut self) {
        self.native = None;
    }

    /// How idle is detected, for `status`.
    pub fn idle(&self) -> String {
        if self.mutter_up {
            "GNOME Mutter IdleMonitor".to_owned()
        } else if self.native.is_some() {
            self.native_name.clone()
        } else if self.screensaver_up {
            "org.freedesktop.ScreenSaver (screen saver on and off)".to_owned()
        } else {
            "not available on this desktop".to_owned()
        }
    }

    /// How being busy is seen, for `status`; a source `counted` leaves out is marked so, and a
    /// way of being busy that nothing here can see is named as such.
    pub fn busy_sources(&self, counted: &BTreeSet<Busy>) -> String {
        if self.busy_sources.is_empty() {
            return "not available on this desktop".to_owned();
        }
        let mut named: Vec<String> = self
            .busy_sources
            .iter()
            .map(|(busy, name)| {
                if counted.contains(busy) {
                    name.clone()
                } else {
                    format!("{name} (not counted: session.busy_when)")
                }
            })
            .collect();
        let unseen: Vec<&str> = Busy::ALL
            .into_iter()
            .filter(|b| !self.busy_sources.iter().any(|(seen, _)| seen == b))
            .map(Busy::source_words)
            .collect();
        if !unseen.is_empty() {
            named.push(format!("not detected here: {}", unseen.join(", ")));
        }
        named.join(", ")
    }

    /// GNOME's session manager came (`true`) or went: its inhibitors are a source while it is
    /// there.
    pub fn gnome_session(&mut self, up: bool) {
        let listed = self.busy_sources.iter().position(|(_, name)| name == GNOME_INHIBIT);
        match (up, listed) {
            (true, None) => self.busy_sources.push((Busy::Inhibit, GNOME_INHIBIT.to_owned())),
            (false, Some(i)) => {
                self.busy_sources.remove(i);
            }
            _ => {}
        }
    }

    /// Idle inhibited by logind (`gnome` false) or GNOME's session manager, now `on`: says
    /// whether either inhibits now, since both are the one busy cause.
    pub fn inhibited(&mut self, gnome: bool, on: bool) -> bool {
        if gnome {
            self.inhibited_by.1 = on;
        } else {
            self.inhibited_by.0 = on;
        }
        self.inhibited_by.0 || self.inhibited_by.1
    }

    /// Whether Mutter's watches should be used when it appears: not while the X server or
    /// compositor is already watched.
    pub fn wants_mutter(&self) -> bool {
        self.native.is_none()
    }

    /// Adds the idle watch (once per Mutter instance). Mutter fires it every time the user has
    /// been without input for the threshold, but not when that is already past as it is added:
    /// so the idle time is read after it, and if the user is idle already, the return is
    /// watched for at once and this says for how long they have been idle.
    pub async fn arm_idle(&mut self) -> Option<Duration> {
        let ms = u64::try_from(self.threshold.as_millis()).unwrap_or(u64::MAX);
        match self.mutter.add_idle_watch(ms).await {
            Ok(id) => {
                self.idle_watch = Some(id);
                self.armed = Armed::Idle(id);
            }
            Err(e) => {
                tracing::warn!("can't add an idle watch to {MUTTER}: {e}");
                self.mutter_up = false;
                return None;
            }
        }
        let idle = Duration::from_millis(self.mutter.get_idletime().await.ok()?);
        if idle < self.threshold {
            return None;
        }
        self.watch_return().await.then_some(idle)
    }

    /// Adds the one-shot user-active watch, then reads the idle time, so input between the
    /// idle watch firing and this watch being in place is not missed. Says whether the user is
    /// still idle (and the watch armed); if not, the watch is removed again.
    async fn watch_return(&mut self) -> bool {
        let active = match self.mutter.add_user_active_watch().await {
            Ok(active) => active,
            Err(e) => {
                // Without it we would never hear of the return: better not to count as away.
                tracing::warn!("can't add a user-active watch to {MUTTER}: {e}");
                return false;
            }
        };
        // A Mutter without GetIdletime: trust the watches, as before.
        let idle = self.mutter.get_idletime().await.map_or(self.threshold, Duration::from_millis);
        if idle < self.threshold {
            let _ = self.mutter.remove_watch(active).await;
            return false;
        }
        self.armed = Armed::Active(active);
        true
    }

    /// Mutter went away: its watches went with it.
    pub fn mutter_gone(&mut self) {
        self.mutter_up = false;
        self.idle_watch = None;
        self.armed = Armed::None;
    }

    /// Reads a fired watch. After the idle watch, a one-shot user-active watch is added, so the
    /// return is an event too; input before it was in place is seen by reading the idle time.
    pub async fn fired(&mut self, id: u32) -> Watch {
        match self.armed {
            Armed::Idle(i) if i == id => {
                if self.watch_return().await {
                    Watch::Idle
                } else {
                    Watch::IdleAndBack
                }
            }
            Armed::Active(a) if a == id => {
                self.armed = self.idle_watch.map_or(Armed::None, Armed::Idle);
                Watch::Active
            }
            _ => Watch::Other,
        }
    }

    /// A new idle threshold (after a reload): the idle watch is replaced by one for it. Says
    /// whether the user is idle by it, where that can be told.
    pub async fn set_threshold(&mut self, threshold: Duration) -> Option<IdleNow> {
        if threshold == self.threshold {
            return None;
        }
        self.threshold = threshold;
        match &self.native {
            Some(Native::X11(x)) => return x.set_threshold(threshold),
            Some(Native::Wayland(w)) => return w.set_threshold(threshold),
            None => {}
        }
        if let Some(old) = self.idle_watch.take() {
            let _ = self.mutter.remove_watch(old).await;
        }
        if self.mutter_up {
            let armed = self.armed;
            if let Armed::Active(_) = armed {
                // Still waiting for the user to come back: only the idle watch is replaced.
                let ms = u64::try_from(threshold.as_millis()).unwrap_or(u64::MAX);
                match self.mutter.add_idle_watch(ms).await {
                    Ok(id) => self.idle_watch = Some(id),
                    Err(e) => tracing::warn!("can't add an idle watch to {MUTTER}: {e}"),
                }
            } else {
                return self.arm_idle().await.map(IdleNow::Idle);
            }
        }
        None
    }

    /// The idle threshold now in use, for working out when idleness began.
    pub fn threshold(&self) -> Duration {
        self.threshold
    }

    /// Removes our watches, so Mutter does not keep them for a connection about to close.
    pub async fn stop(&mut self) {
        if let Armed::Active(id) = self.armed {
            let _ = self.mutter.remove_watch(id).await;
        }
        if let Some(id) = self.idle_watch.take() {
            let _ = self.mutter.remove_watch(id).await;
        }
    }
}

/// A stream of the signals matching `rule`, turned into events by `read`.
pub(super) async fn follow(
    conn: &Connection,
    rule: MatchRule<'static>,
    read: fn(&Message) -> Option<SessionEvent>,
) -> zbus::Result<BoxStream<'static, SessionEvent>> {
    let stream = MessageStream::for_match_rule(rule, conn, std::num::NonZeroUsize::new(16)).await?;
    Ok(stream.filter_map(move |m| std::future::ready(m.ok().as_ref().and_then(read))).boxed())
}

pub(super) fn signal() -> zbus::match_rule::Builder<'static> {
    MatchRule::builder().msg_type(MessageType::Signal)
}

pub(super) fn member(m: &Message) -> String {
    m.header().member().map(|x| x.as_str().to_owned()).unwrap_or_default()
}

/// Mutter's watches, the screen saver, and both services coming and going; and whether each of
/// the two runs now.
async fn session_streams(
    conn: &Connection,
) -> zbus::Result<(Vec<BoxStream<'static, SessionEvent>>, (bool, bool))> {
    let watch = signal().interface(MUTTER).member("WatchFired").build()?;
    let saver = signal().interface(SCREENSAVER).member("ActiveChanged").build()?;
    let mut out = vec![
        follow(conn, watch, |m| m.body().deserialize::<u32>().ok().map(SessionEvent::WatchFired)).await?,
        follow(conn, saver, |m| m.body().deserialize::<bool>().ok().map(SessionEvent::ScreenSaver)).await?,
    ];
    let mut running = [false; 2];
    for (i, name) in [MUTTER, SCREENSAVER].into_iter().enumerate() {
        let (now, changes) = follow_name(conn, name).await?;
        running[i] = now;
        out.push(changes.map(move |up| SessionEvent::Service(name, up)).boxed());
    }
    Ok((out, (running[0], running[1])))
}

/// GNOME's idle inhibitors: `IsInhibited(8)` read after following `InhibitorAdded` and
/// `InhibitorRemoved`, and again after each of them and whenever the session manager comes.
/// Also says whether idle is inhibited now (`None`: no GNOME session manager). The session
/// manager is asked only while it owns its name, so no call of ours ever starts one.
async fn gnome_inhibitors(
    conn: &Connection,
) -> zbus::Result<(Option<bool>, BoxStream<'static, SessionEvent>)> {
    let rule = signal().sender(GNOME_SM).interface(GNOME_SM).path(GNOME_SM_PATH).build()?;
    let changes = MessageStream::for_match_rule(rule, conn, std::num::NonZeroUsize::new(16)).await?;
    let changes = changes
        .filter(|m| {
            let m = m.as_ref().map(member).unwrap_or_default();
            std::future::ready(m == "InhibitorAdded" || m == "InhibitorRemoved")
        })
        .map(|_| true);
    let (running, owner) = follow_name(conn, GNOME_SM).await?;
    let proxy = GnomeSessionProxy::builder(conn).cache_properties(CacheProperties::No).build().await?;
    let now = if running { proxy.is_inhibited(GNOME_INHIBIT_IDLE).await.ok() } else { None };
    let stream = futures_util::stream::select(changes, owner).then(move |up| {
        let proxy = proxy.clone();
        async move {
            if !up {
                return SessionEvent::GnomeInhibited(None);
            }
            SessionEvent::GnomeInhibited(Some(proxy.is_inhibited(GNOME_INHIBIT_IDLE).await.unwrap_or(false)))
        }
    });
    Ok((now, stream.boxed()))
}
