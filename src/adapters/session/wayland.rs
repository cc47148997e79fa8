//! Idle on Wayland, from the compositor on the daemon's own connection (`WAYLAND_DISPLAY`):
//! `ext-idle-notify-v1` (current wlroots compositors, Hyprland, KWin 6, niri, COSMIC), else
//! KDE's older `org_kde_kwin_idle` (KWin 5, sway 1.7). Either gives one notification object for
//! the threshold that says "idle" once the seat has had no input for that long and "resumed" at
//! the next input: both from one object, so nothing falls between them. The connection sleeps
//! in between; nothing is asked of the compositor but these events.

use super::{IdleNow, SessionEvent};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::collections::VecDeque;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use wayland_client::globals::{GlobalList, GlobalListContents, registry_queue_init};
use wayland_client::protocol::{wl_registry, wl_seat};
use wayland_client::{Connection, Dispatch, EventQueue, QueueHandle};
use wayland_protocols::ext::idle_notify::v1::client::{ext_idle_notification_v1, ext_idle_notifier_v1};
use wayland_protocols_plasma::idle::client::{org_kde_kwin_idle, org_kde_kwin_idle_timeout};

/// Which protocol the compositor offers.
enum Notifier {
    Ext(ext_idle_notifier_v1::ExtIdleNotifierV1),
    Kde(org_kde_kwin_idle::OrgKdeKwinIdle),
}

/// The notification object for the threshold in use.
enum Watch {
    Ext(ext_idle_notification_v1::ExtIdleNotificationV1),
    Kde(org_kde_kwin_idle_timeout::OrgKdeKwinIdleTimeout),
}

impl Watch {
    fn destroy(&self) {
        match self {
            Watch::Ext(w) => w.destroy(),
            Watch::Kde(w) => w.release(),
        }
    }
}

/// What the dispatchers collect: the events for the stream, read from the watch in use only.
#[derive(Default)]
pub struct State {
    events: VecDeque<SessionEvent>,
    /// The generation of the watch whose events count (an old one's are dropped).
    current: u32,
    threshold: Duration,
}

/// What `set_threshold` needs, shared with the stream that owns the event queue.
struct Shared {
    notifier: Notifier,
    seat: wl_seat::WlSeat,
    watch: Option<Watch>,
    /// Counts the watches made, to tell their events apart.
    generation: u32,
}

pub struct WaylandIdle {
    conn: Connection,
    qh: QueueHandle<State>,
    shared: Arc<Mutex<Shared>>,
    /// Set by `set_threshold`, read by the stream before it dispatches.
    state_update: Arc<Mutex<Option<(u32, Duration)>>>,
    /// "ext-idle-notify-v1 (sway)".
    pub name: String,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn ms(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX).max(1)
}

impl WaylandIdle {
    /// Connects, finds a seat and an idle protocol, and asks for idle after `threshold`.
    pub fn start(threshold: Duration) -> Result<(WaylandIdle, BoxStream<'static, SessionEvent>), String> {
        let conn = Connection::connect_to_env().map_err(err)?;
        let (globals, queue): (GlobalList, EventQueue<State>) = registry_queue_init(&conn).map_err(err)?;
        let qh = queue.handle();
        let seat: wl_seat::WlSeat =
            globals.bind(&qh, 1..=1, ()).map_err(|e| format!("the compositor offers no seat: {e}"))?;
        let (notifier, protocol) = match globals.bind(&qh, 1..=1, ()) {
            Ok(n) => (Notifier::Ext(n), "ext-idle-notify-v1"),
            Err(_) => match globals.bind(&qh, 1..=1, ()) {
                Ok(n) => (Notifier::Kde(n), "org_kde_kwin_idle"),
                Err(_) => {
                    return Err(
                        "the compositor offers neither ext-idle-notify-v1 nor org_kde_kwin_idle".to_owned()
                    );
                }
            },
        };
        let name = match compositor(&conn) {
            Some(c) => format!("{protocol} ({c})"),
            None => protocol.to_owned(),
        };
        let fd: OwnedFd = conn.as_fd().try_clone_to_owned().map_err(err)?;
        // SAFETY: the OwnedFd (a duplicate of the connection's) is moved into the AsyncFd, which
        // owns it until it is dropped, so the descriptor stays open and the same all along.
        let fd =
            unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }.map_err(err)?;
        let shared = Arc::new(Mutex::new(Shared { notifier, seat, watch: None, generation: 0 }));
        let w =
            WaylandIdle { conn: conn.clone(), qh, shared, state_update: Arc::new(Mutex::new(None)), name };
        let id = w.watch(threshold);
        let state = State { events: VecDeque::new(), current: id, threshold };
        conn.flush().map_err(err)?;
        let stream = events(conn, queue, fd, state, w.state_update.clone());
        Ok((w, stream))
    }

    /// Replaces the notification object by one for `threshold`; returns its generation.
    fn watch(&self, threshold: Duration) -> u32 {
        let mut s = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = s.watch.take() {
            old.destroy();
        }
        s.generation += 1;
        let g = s.generation;
        let watch = match &s.notifier {
            Notifier::Ext(n) => Watch::Ext(n.get_idle_notification(ms(threshold), &s.seat, &self.qh, g)),
            Notifier::Kde(n) => Watch::Kde(n.get_idle_timeout(&s.seat, ms(threshold), &self.qh, g)),
        };
        s.watch = Some(watch);
        g
    }

    /// A new threshold: a new notification object. The compositor starts it from the last
    /// input, so a user idle past the new threshold gets "idle" from it at once; "resumed" of
    /// the old object no longer comes, so the user counts as here until then.
    pub fn set_threshold(&self, threshold: Duration) -> Option<IdleNow> {
        let id = self.watch(threshold);
        *self.state_update.lock().unwrap_or_else(|p| p.into_inner()) = Some((id, threshold));
        if let Err(e) = self.conn.flush() {
            tracing::warn!("can't reach the compositor: {e}");
        }
        Some(IdleNow::Here)
    }
}

/// The compositor's program name, from the socket's peer (`sway`), where it can be read.
fn compositor(conn: &Connection) -> Option<String> {
    let cred = rustix::net::sockopt::socket_peercred(conn.as_fd()).ok()?;
    let comm = std::fs::read_to_string(format!("/proc/{}/comm", cred.pid.as_raw_nonzero())).ok()?;
    Some(comm.trim().to_owned()).filter(|c| !c.is_empty())
}

/// The events of the watch in use, read from the connection when its socket is readable.
fn events(
    conn: Connection,
    queue: EventQueue<State>,
    fd: AsyncFd<OwnedFd>,
    state: State,
    update: Arc<Mutex<Option<(u32, Duration)>>>,
) -> BoxStream<'static, SessionEvent> {
    let start = Some((conn, queue, fd, state));
    futures_util::stream::unfold(start, move |s| {
        let update = update.clone();
        async move {
            let (conn, mut queue, fd, mut state) = s?;
            loop {
                if let Some((id, threshold)) = update.lock().unwrap_or_else(|p| p.into_inner()).take() {
                    state.current = id;
                    state.threshold = threshold;
                }
                if let Err(e) = queue.dispatch_pending(&mut state) {
                    tracing::warn!("lost the compositor ({e}); idle is no longer seen");
                    return Some((SessionEvent::IdleGone, None));
                }
                if let Some(event) = state.events.pop_front() {
                    return Some((event, Some((conn, queue, fd, state))));
                }
                let _ = conn.flush();
                let Some(guard) = queue.prepare_read() else { continue };
                let mut ready = match fd.readable().await {
                    Ok(r) => r,
                    Err(_) => return None,
                };
                match guard.read() {
                    Ok(_) => {}
                    Err(wayland_client::backend::WaylandError::Io(e))
                        if e.kind() == std::io::ErrorKind::WouldBlock =>
                    {
                        ready.clear_ready();
                    }
                    Err(e) => {
                        tracing::warn!("lost the compositor ({e}); idle is no longer seen");
                        return Some((SessionEvent::IdleGone, None));
                    }
                }
            }
        }
    })
    .boxed()
}

impl State {
    fn heard(&mut self, generation: u32, idle: bool) {
        if self.current == generation {
            self.events.push_back(if idle {
                SessionEvent::Idle(self.threshold)
            } else {
                SessionEvent::Active
            });
        }
    }
}

impl Dispatch<wl_registry::WlRegistry, GlobalListContents> for State {
    fn event(
        _: &mut Self,
        _: &wl_registry::WlRegistry,
        _: wl_registry::Event,
        _: &GlobalListContents,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<wl_seat::WlSeat, ()> for State {
    fn event(
        _: &mut Self,
        _: &wl_seat::WlSeat,
        _: wl_seat::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<ext_idle_notifier_v1::ExtIdleNotifierV1, ()> for State {
    fn event(
        _: &mut Self,
        _: &ext_idle_notifier_v1::ExtIdleNotifierV1,
        _: ext_idle_notifier_v1::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<org_kde_kwin_idle::OrgKdeKwinIdle, ()> for State {
    fn event(
        _: &mut Self,
        _: &org_kde_kwin_idle::OrgKdeKwinIdle,
        _: org_kde_kwin_idle::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<ext_idle_notification_v1::ExtIdleNotificationV1, u32> for State {
    fn event(
        state: &mut Self,
        _: &ext_idle_notification_v1::ExtIdleNotificationV1,
        event: ext_idle_notification_v1::Event,
        generation: &u32,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        let id = *generation;
        match event {
            ext_idle_notification_v1::Event::Idled => state.heard(id, true),
            ext_idle_notification_v1::Event::Resumed => state.heard(id, false),
            _ => {}
        }
    }
}

impl Dispatch<org_kde_kwin_idle_timeout::OrgKdeKwinIdleTimeout, u32> for State {
    fn event(
        state: &mut Self,
        _: &org_kde_kwin_idle_timeout::OrgKdeKwinIdleTimeout,
        event: org_kde_kwin_idle_timeout::Event,
        generation: &u32,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        let id = *generation;
        match event {
            org_kde_kwin_idle_timeout::Event::Idle => state.heard(id, true),
            org_kde_kwin_idle_timeout::Event::Resumed => state.heard(id, false),
            _ => {}
        }
    }
}
