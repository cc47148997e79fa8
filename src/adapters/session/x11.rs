//! Idle on X11: the SYNC extension's `IDLETIME` system counter (milliseconds since the last
//! input) with two alarms on the daemon's own X connection, as GNOME's X11 idle monitor did.
//! One fires when the counter rises past the threshold (idle), the other when it falls back
//! below it (input after being idle). Both stay armed for good, so no input falls between them,
//! and the counter rises past the threshold once per absence: the X server wakes us only then.
//!
//! Full screen, on the same connection: `PropertyNotify` for the root's `_NET_ACTIVE_WINDOW`
//! and for the active window's `_NET_WM_STATE` (as the window manager keeps them); busy while
//! the active window's state holds `_NET_WM_STATE_FULLSCREEN`. Each window is followed before
//! its properties are read, so a change in between is an event too.

use super::{IdleNow, SessionEvent};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::collections::VecDeque;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use x11rb::connection::{Connection as _, RequestConnection as _};
use x11rb::protocol::Event;
use x11rb::protocol::sync::{
    self, Alarm, ChangeAlarmAux, ConnectionExt as _, Counter, CreateAlarmAux, Int64, TESTTYPE, VALUETYPE,
};
use x11rb::protocol::xproto::{
    AtomEnum, ChangeWindowAttributesAux, ConnectionExt as _, EventMask, PropertyNotifyEvent, Window,
};
use x11rb::rust_connection::RustConnection;

/// The daemon's one X connection, before its event stream is made.
pub struct X11 {
    conn: Arc<RustConnection>,
    root: Window,
    /// What the X server calls itself, for `status`.
    pub vendor: String,
}

/// What the stream follows for full screen.
pub struct Fullscreen {
    root: Window,
    active_atom: u32,
    state_atom: u32,
    full_atom: u32,
    /// The active window (0: none), whose `_NET_WM_STATE` is followed.
    active: Window,
    full: bool,
}

impl X11 {
    /// Connects to `DISPLAY`.
    pub fn connect() -> Result<X11, String> {
        let (conn, screen) = RustConnection::connect(None).map_err(err)?;
        let root = conn.setup().roots.get(screen).ok_or("no such screen")?.root;
        let vendor = String::from_utf8_lossy(&conn.setup().vendor).trim().to_owned();
        Ok(X11 { conn: Arc::new(conn), root, vendor })
    }

    /// Follows the root's `_NET_ACTIVE_WINDOW`, then the active window; says whether it is
    /// full screen now in `Fullscreen::full`.
    pub fn fullscreen(&self) -> Result<Fullscreen, String> {
        let atom = |name: &str| -> Result<u32, String> {
            Ok(self.conn.intern_atom(false, name.as_bytes()).map_err(err)?.reply().map_err(err)?.atom)
        };
        let mut f = Fullscreen {
            root: self.root,
            active_atom: atom("_NET_ACTIVE_WINDOW")?,
            state_atom: atom("_NET_WM_STATE")?,
            full_atom: atom("_NET_WM_STATE_FULLSCREEN")?,
            active: 0,
            full: false,
        };
        let aux = ChangeWindowAttributesAux::new().event_mask(EventMask::PROPERTY_CHANGE);
        self.conn.change_window_attributes(self.root, &aux).map_err(err)?.check().map_err(err)?;
        f.follow_active(&self.conn);
        Ok(f)
    }

    /// The events of this connection: the idle alarms (if set) and full screen (if followed).
    /// It ends if the X server goes.
    pub fn events(
        self,
        alarms: Option<(Alarm, Alarm)>,
        full: Option<Fullscreen>,
    ) -> Result<BoxStream<'static, SessionEvent>, String> {
        let fd: OwnedFd = self.conn.stream().as_fd().try_clone_to_owned().map_err(err)?;
        // SAFETY: the OwnedFd (a duplicate of the connection's) is moved into the AsyncFd, which
        // owns it until it is dropped, so the descriptor stays open and the same all along.
        let fd =
            unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }.map_err(err)?;
        let mut pending = VecDeque::new();
        if full.as_ref().is_some_and(|f| f.full) {
            pending.push_back(SessionEvent::Fullscreen(true));
        }
        Ok(events(self.conn, fd, alarms, full, pending))
    }
}

impl Fullscreen {
    /// Reads the active window; follows it (and no longer the one before) if it changed. Says
    /// whether full screen changed.
    fn follow_active(&mut self, conn: &RustConnection) -> Option<bool> {
        let active = conn
            .get_property(false, self.root, self.active_atom, AtomEnum::ANY, 0, 1)
            .ok()
            .and_then(|c| c.reply().ok())
            .and_then(|r| r.value32().and_then(|mut v| v.next()))
            .unwrap_or(0);
        if active != self.active {
            let set = |w: Window, mask: EventMask| {
                if w != 0
                    && let Ok(c) =
                        conn.change_window_attributes(w, &ChangeWindowAttributesAux::new().event_mask(mask))
                {
                    // A window gone meanwhile is no error of ours.
                    c.ignore_error();
                }
            };
            set(self.active, EventMask::NO_EVENT);
            set(active, EventMask::PROPERTY_CHANGE);
            self.active = active;
        }
        self.read_state(conn)
    }

    /// Reads the active window's `_NET_WM_STATE`; says whether full screen changed.
    fn read_state(&mut self, conn: &RustConnection) -> Option<bool> {
        let full = self.active != 0
            && conn
                .get_property(false, self.active, self.state_atom, AtomEnum::ANY, 0, 64)
                .ok()
                .and_then(|c| c.reply().ok())
                .and_then(|r| r.value32().map(|mut v| v.any(|a| a == self.full_atom)))
                .unwrap_or(false);
        (full != self.full).then(|| {
            self.full = full;
            full
        })
    }

    /// A property changed somewhere: says whether full screen changed.
    fn on_property(&mut self, conn: &RustConnection, e: &PropertyNotifyEvent) -> Option<bool> {
        if e.window == self.root && e.atom == self.active_atom {
            self.follow_active(conn)
        } else if e.window == self.active && e.atom == self.state_atom {
            self.read_state(conn)
        } else {
            None
        }
    }
}

pub struct X11Idle {
    conn: Arc<RustConnection>,
    counter: Counter,
    /// Fires when the counter rises to the threshold.
    idle: Alarm,
    /// Fires when it falls back below it: the user is back.
    back: Alarm,
    /// What the X server calls itself, for `status`.
    pub vendor: String,
}

fn int64(ms: i64) -> Int64 {
    Int64 { hi: (ms >> 32) as i32, lo: ms as u32 }
}

fn millis(v: Int64) -> Duration {
    let ms = (i64::from(v.hi) << 32) | i64::from(v.lo);
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX >> 1).max(1)
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl X11Idle {
    /// Finds `IDLETIME` on the connection and sets both alarms for `threshold`. Also says how
    /// long the user has been idle, if that is past the threshold already (the rising alarm
    /// can't fire then).
    pub fn start(x: &X11, threshold: Duration) -> Result<(X11Idle, Option<Duration>), String> {
        let conn = &x.conn;
        if conn.extension_information(sync::X11_EXTENSION_NAME).map_err(err)?.is_none() {
            return Err("the X server has no SYNC extension".to_owned());
        }
        conn.sync_initialize(3, 1).map_err(err)?.reply().map_err(err)?;
        let counters = conn.sync_list_system_counters().map_err(err)?.reply().map_err(err)?.counters;
        let counter = counters
            .iter()
            .find(|c| c.name == b"IDLETIME")
            .map(|c| c.counter)
            .ok_or("the X server has no IDLETIME counter")?;
        let (idle, back) = (conn.generate_id().map_err(err)?, conn.generate_id().map_err(err)?);
        let t = ms(threshold);
        for (alarm, test, value) in
            [(idle, TESTTYPE::POSITIVE_TRANSITION, t), (back, TESTTYPE::NEGATIVE_TRANSITION, t - 1)]
        {
            let aux = CreateAlarmAux::new()
                .counter(counter)
                .value_type(VALUETYPE::ABSOLUTE)
                .value(int64(value))
                .test_type(test)
                .delta(int64(0))
                .events(1);
            conn.sync_create_alarm(alarm, &aux).map_err(err)?.check().map_err(err)?;
        }
        let x = X11Idle { conn: conn.clone(), counter, idle, back, vendor: x.vendor.clone() };
        // After the alarms are set, so a change in between is an event too.
        let now = x.idle_time()?;
        Ok((x, (now >= threshold).then_some(now)))
    }

    /// The rising and the falling alarm, for the connection's event stream.
    pub fn alarms(&self) -> (Alarm, Alarm) {
        (self.idle, self.back)
    }

    fn idle_time(&self) -> Result<Duration, String> {
        let reply = self.conn.sync_query_counter(self.counter).map_err(err)?.reply().map_err(err)?;
        Ok(millis(reply.counter_value))
    }

    /// Moves both alarms to a new threshold, then says whether the user is idle by it.
    pub fn set_threshold(&self, threshold: Duration) -> Option<IdleNow> {
        let t = ms(threshold);
        for (alarm, value) in [(self.idle, t), (self.back, t - 1)] {
            let aux = ChangeAlarmAux::new().value(int64(value));
            if let Err(e) =
                self.conn.sync_change_alarm(alarm, &aux).map_err(err).and_then(|c| c.check().map_err(err))
            {
                tracing::warn!("can't move the X11 idle alarm: {e}");
                return None;
            }
        }
        let idle = self.idle_time().ok()?;
        Some(if idle >= threshold { IdleNow::Idle(idle) } else { IdleNow::Here })
    }
}

/// The connection's events, read when its socket is readable: the alarms' (if any) and those
/// about full screen (if followed); `pending` goes first.
fn events(
    conn: Arc<RustConnection>,
    fd: AsyncFd<OwnedFd>,
    alarms: Option<(Alarm, Alarm)>,
    full: Option<Fullscreen>,
    pending: VecDeque<SessionEvent>,
) -> BoxStream<'static, SessionEvent> {
    let state = (Some((conn, fd)), full, pending);
    futures_util::stream::unfold(state, move |(mut x, mut full, mut pending)| async move {
        loop {
            if let Some(e) = pending.pop_front() {
                return Some((e, (x, full, pending)));
            }
            let (conn, fd) = x.as_ref()?;
            // Whatever is in the socket (or was read along with a reply) first.
            match conn.poll_for_event() {
                Ok(Some(Event::SyncAlarmNotify(e))) => match alarms {
                    Some((idle, _)) if e.alarm == idle => {
                        pending.push_back(SessionEvent::Idle(millis(e.counter_value)));
                    }
                    Some((_, back)) if e.alarm == back => pending.push_back(SessionEvent::Active),
                    _ => {}
                },
                Ok(Some(Event::PropertyNotify(e))) => {
                    if let Some(on) = full.as_mut().and_then(|f| f.on_property(conn, &e)) {
                        pending.push_back(SessionEvent::Fullscreen(on));
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => match fd.readable().await {
                    Ok(mut guard) => guard.clear_ready(),
                    Err(_) => return None,
                },
                Err(e) => {
                    tracing::warn!("lost the X server ({e}); idle and full screen are no longer seen");
                    if full.as_ref().is_some_and(|f| f.full) {
                        pending.push_back(SessionEvent::Fullscreen(false));
                    }
                    if alarms.is_some() {
                        pending.push_back(SessionEvent::IdleGone);
                    }
                    full = None;
                    x = None;
                }
            }
        }
    })
    .boxed()
}
