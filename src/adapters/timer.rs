//! Sleeping until a wall-clock instant. tokio's timers run on CLOCK_MONOTONIC, which stops
//! during suspend, so a plain sleep fires late after resume. An absolute CLOCK_REALTIME timerfd
//! with cancel-on-set fires at the right wall time after resume, and wakes us when the clock is
//! set (NTP step, manual change) so the planner can look again — with no extra wakeups.

use chrono::{DateTime, Utc};
use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::time::{
    Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create, timerfd_settime,
};
use tokio::io::unix::AsyncFd;

/// Why `sleep_until` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    Deadline,
    /// The wall clock was set; deadlines computed before may be wrong.
    ClockChanged,
}

pub struct WallTimer {
    fd: AsyncFd<OwnedFd>,
}

/// With no deadline we still arm the timer far ahead, so clock changes are still reported.
const FAR: chrono::Duration = chrono::Duration::days(365);

impl WallTimer {
    pub fn new() -> std::io::Result<WallTimer> {
        let fd = timerfd_create(TimerfdClockId::Realtime, TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC)?;
        // SAFETY: the OwnedFd is moved into the AsyncFd, which owns it until it is dropped, so
        // the descriptor stays open and the same for the AsyncFd's whole life.
        let fd = unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }
            .map_err(std::io::Error::from)?;
        Ok(WallTimer { fd })
    }

    /// Sleeps until `deadline` (or a year ahead for `None`) or until the clock is set.
    pub async fn sleep_until(
        &self,
        deadline: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> std::io::Result<Wake> {
        let at = deadline.unwrap_or(now + FAR);
        let value = Timespec {
            tv_sec: at.timestamp(),
            // An instant at or before the epoch would disarm the timer; never ask for one.
            tv_nsec: i64::from(at.timestamp_subsec_nanos()).max(if at.timestamp() <= 0 { 1 } else { 0 }),
        };
        let spec = Itimerspec { it_interval: Timespec { tv_sec: 0, tv_nsec: 0 }, it_value: value };
        timerfd_settime(
            self.fd.get_ref(),
            TimerfdTimerFlags::ABSTIME | TimerfdTimerFlags::CANCEL_ON_SET,
            &spec,
        )?;
        loop {
            let mut guard = self.fd.readable().await?;
            let mut buf = [0u8; 8];
            match rustix::io::read(self.fd.get_ref(), &mut buf) {
                Ok(_) => return Ok(Wake::Deadline),
                Err(Errno::CANCELED) => return Ok(Wake::ClockChanged),
                Err(Errno::AGAIN) => guard.clear_ready(),
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_past_deadline_fires_at_once() {
        let timer = WallTimer::new().unwrap();
        let long_ago = DateTime::from_timestamp(1_000_000_000, 0).unwrap();
        let wake = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            timer.sleep_until(Some(long_ago), long_ago),
        )
        .await
        .expect("fires")
        .unwrap();
        assert_eq!(wake, Wake::Deadline);
    }
}
