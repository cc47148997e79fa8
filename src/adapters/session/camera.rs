//! The camera in use, from inotify: `IN_OPEN` and `IN_CLOSE_*` on the `video*` devices in
//! `/dev` (event-driven; the daemon never looks at the devices on a timer). Opens minus closes
//! per device say whether any is open. inotify merges identical events that come back to back,
//! so when the count says "all closed" (and once at start) the open descriptors of processes
//! are looked at to be sure. `POSTURED_VIDEO_DIR` points it at another folder, for tests only.

use super::SessionEvent;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};
use std::collections::BTreeMap;
use std::mem::MaybeUninit;
use std::path::PathBuf;
use tokio::io::unix::AsyncFd;

/// The folder holding the camera devices.
pub fn video_dir() -> PathBuf {
    std::env::var_os("POSTURED_VIDEO_DIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| "/dev".into(), PathBuf::from)
}

/// Watches the folder's `video*` devices; the stream says `Camera(true)` when the first is
/// opened and `Camera(false)` when the last is closed.
pub fn watch() -> std::io::Result<(String, BoxStream<'static, SessionEvent>)> {
    let dir = video_dir();
    let fd = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK)?;
    inotify::add_watch(&fd, &dir, WatchFlags::OPEN | WatchFlags::CLOSE_WRITE | WatchFlags::CLOSE_NOWRITE)?;
    // SAFETY: the inotify OwnedFd is moved into the AsyncFd, which owns it until it is
    // dropped, so the descriptor stays open and the same all along.
    let fd = unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let name = format!("camera (inotify on {}/video*)", dir.display());
    let held_at_start = held_open(&dir);
    let state = (fd, BTreeMap::<Vec<u8>, u32>::new(), false, held_at_start, dir);
    let stream = futures_util::stream::unfold(state, |(fd, mut open, mut busy, start, dir)| async move {
        if start {
            return Some((SessionEvent::Camera(true), (fd, open, true, false, dir)));
        }
        loop {
            let Ok(mut ready) = fd.readable().await else { return None };
            let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
            let mut reader = inotify::Reader::new(fd.get_ref(), &mut buf);
            loop {
                match reader.next() {
                    Ok(e) => count(&mut open, e.file_name().map(|n| n.to_bytes()), e.events()),
                    Err(rustix::io::Errno::AGAIN) => {
                        ready.clear_ready();
                        break;
                    }
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(_) => return None,
                }
            }
            // Two opens can arrive as one event: before saying "closed", make sure.
            let now = !open.is_empty() || (busy && held_open(&dir));
            if now != busy {
                busy = now;
                return Some((SessionEvent::Camera(now), (fd, open, busy, false, dir)));
            }
        }
    });
    Ok((name, stream.boxed()))
}

/// One inotify event on a device: an open adds one, a close takes one away. A close of a
/// device opened before we started watching is not counted below zero.
fn count(open: &mut BTreeMap<Vec<u8>, u32>, name: Option<&[u8]>, events: ReadFlags) {
    let Some(name) = name.filter(|n| n.starts_with(b"video")) else { return };
    if events.contains(ReadFlags::OPEN) {
        *open.entry(name.to_vec()).or_default() += 1;
    }
    if events.intersects(ReadFlags::CLOSE_WRITE | ReadFlags::CLOSE_NOWRITE)
        && let Some(n) = open.get_mut(name)
    {
        *n -= 1;
        if *n == 0 {
            open.remove(name);
        }
    }
}

/// Whether any process we can see holds a `video*` device of `dir` open, from the descriptors
/// in `/proc/*/fd`. Read only at start and when the count says the last one closed.
fn held_open(dir: &std::path::Path) -> bool {
    let Ok(procs) = std::fs::read_dir("/proc") else { return false };
    procs.flatten().filter(|p| p.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit())).any(|p| {
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else { return false };
        fds.flatten().any(|fd| {
            std::fs::read_link(fd.path()).is_ok_and(|target| {
                target.parent() == Some(dir)
                    && target.file_name().is_some_and(|n| n.to_string_lossy().starts_with("video"))
            })
        })
    })
}
