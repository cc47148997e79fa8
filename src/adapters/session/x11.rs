//! Idle on X11: the SYNC extension's `IDLETIME` system counter (milliseconds since the last
//! input) with two alarms on the daemon's own X connection, as GNOME's X11 idle monitor did.
//! One fires when the counter rises past the threshold (idle), the other when it falls back
//! below it (input after being idle). Both stay armed for good, so no input falls between them,
//! and the counter rises past the threshold once per absence: the X server wakes us only then.

use super::{IdleNow, SessionEvent};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use x11rb::connection::{Connection as _, RequestConnection as _};
use x11rb::protocol::Event;
use x11rb::protocol::sync::{
    self, Alarm, ChangeAlarmAux, ConnectionExt as _, Counter, CreateAlarmAux, Int64, TESTTYPE, VALUETYPE,
};
use x11rb::rust_connection::RustConnection;

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
    /// Connects to `DISPLAY`, finds `IDLETIME` and sets both alarms for `threshold`. Also says
    /// how long the user has been idle, if that is past the threshold already (the rising alarm
    /// can't fire then). The stream carries the alarms' events; it ends if the X server goes.
    pub fn start(
        threshold: Duration,
    ) -> Result<(X11Idle, Option<Duration>, BoxStream<'static, SessionEvent>), String> {
        let (conn, _screen) = RustConnection::connect(None).map_err(err)?;
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
        let vendor = String::from_utf8_lossy(&conn.setup().vendor).trim().to_owned();
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
        let fd: OwnedFd = conn.stream().as_fd().try_clone_to_owned().map_err(err)?;
        // SAFETY: the OwnedFd (a duplicate of the connection's) is moved into the AsyncFd, which
        // owns it until it is dropped, so the descriptor stays open and the same all along.
        let fd =
            unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }.map_err(err)?;
        let x = X11Idle { conn: Arc::new(conn), counter, idle, back, vendor };
        // After the alarms are set, so a change in between is an event too.
        let now = x.idle_time()?;
        let stream = events(x.conn.clone(), fd, idle, back);
        Ok((x, (now >= threshold).then_some(now), stream))
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

/// The alarms' events, read from the X connection when its socket is readable.
fn events(
    conn: Arc<RustConnection>,
    fd: AsyncFd<OwnedFd>,
    idle: Alarm,
    back: Alarm,
) -> BoxStream<'static, SessionEvent> {
    futures_util::stream::unfold(Some((conn, fd)), move |state| async move {
        let (conn, fd) = state?;
        loop {
            // Whatever is in the socket (or was read along with a reply) first.
            loop {
                match conn.poll_for_event() {
                    Ok(Some(Event::SyncAlarmNotify(e))) if e.alarm == idle => {
                        return Some((SessionEvent::Idle(millis(e.counter_value)), Some((conn, fd))));
                    }
                    Ok(Some(Event::SyncAlarmNotify(e))) if e.alarm == back => {
                        return Some((SessionEvent::Active, Some((conn, fd))));
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!("lost the X server ({e}); idle is no longer seen");
                        return Some((SessionEvent::IdleGone, None));
                    }
                }
            }
            match fd.readable().await {
                Ok(mut guard) => guard.clear_ready(),
                Err(_) => return None,
            }
        }
    })
    .boxed()
}
