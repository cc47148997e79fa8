//! The camera in use, from inotify: `IN_OPEN` and `IN_CLOSE_*` on each `video*` device in `/dev`
//! (event-driven; the daemon never looks at the devices on a timer). Each device is watched by
//! itself, never the whole folder, whose `null` and `urandom` are opened all the time by
//! everything: the folder is watched only for devices coming and going. Opens minus closes per
//! device say whether any is open. inotify merges identical events that come back to back, so
//! when the count says "all closed" (and once at start) the open descriptors of processes are
//! looked at to be sure. `POSTURED_VIDEO_DIR` points it at another folder, for tests only.

use super::SessionEvent;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use rustix::fd::OwnedFd;
use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};
use std::collections::{BTreeMap, BTreeSet};
use std::mem::MaybeUninit;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use tokio::io::unix::AsyncFd;

/// The folder holding the camera devices.
pub fn video_dir() -> PathBuf {
    std::env::var_os("POSTURED_VIDEO_DIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| "/dev".into(), PathBuf::from)
}

const DEVICE_EVENTS: WatchFlags =
    WatchFlags::OPEN.union(WatchFlags::CLOSE_WRITE).union(WatchFlags::CLOSE_NOWRITE);

fn is_camera(name: &[u8]) -> bool {
    name.starts_with(b"video")
}

/// The watches on one inotify descriptor: the folder's, and one per camera device.
struct Cameras {
    fd: AsyncFd<OwnedFd>,
    dir: PathBuf,
    dir_watch: i32,
    /// The devices watched (by watch descriptor).
    devices: BTreeSet<i32>,
    /// Opens not yet closed, per device.
    open: BTreeMap<i32, u32>,
    busy: bool,
}

impl Cameras {
    /// Watches `name` in the folder, if it is a camera device we may watch.
    fn add_device(&mut self, name: &[u8]) {
        if !is_camera(name) {
            return;
        }
        let path = self.dir.join(std::ffi::OsStr::from_bytes(name));
        match inotify::add_watch(self.fd.get_ref(), &path, DEVICE_EVENTS) {
            Ok(wd) => {
                self.devices.insert(wd);
            }
            // One we may not read is one we can't tell about; the others still count.
            Err(e) => tracing::debug!("can't watch {}: {e}", path.display()),
        }
    }

    /// One inotify event: a device opened or closed, removed, or one added to the folder.
    fn take(&mut self, wd: i32, name: Option<&[u8]>, events: ReadFlags) {
        if wd == self.dir_watch {
            if events.intersects(ReadFlags::CREATE | ReadFlags::MOVED_TO)
                && let Some(name) = name
            {
                self.add_device(name);
            }
            return;
        }
        if !self.devices.contains(&wd) {
            return;
        }
        if events.contains(ReadFlags::IGNORED) {
            // The device is gone, and its watch with it.
            self.devices.remove(&wd);
            self.open.remove(&wd);
            return;
        }
        if events.contains(ReadFlags::OPEN) {
            *self.open.entry(wd).or_default() += 1;
        }
        // A close of a device opened before we started watching is not counted below zero.
        if events.intersects(ReadFlags::CLOSE_WRITE | ReadFlags::CLOSE_NOWRITE)
            && let Some(n) = self.open.get_mut(&wd)
        {
            *n -= 1;
            if *n == 0 {
                self.open.remove(&wd);
            }
        }
    }
}

/// Watches the folder's `video*` devices; the stream says `Camera(true)` when the first is
/// opened and `Camera(false)` when the last is closed.
pub fn watch() -> std::io::Result<(String, BoxStream<'static, SessionEvent>)> {
    let dir = video_dir();
    let fd = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK)?;
    // The folder first, so a device added while the others are being watched is not missed.
    let dir_watch = inotify::add_watch(&fd, &dir, WatchFlags::CREATE | WatchFlags::MOVED_TO)?;
    // SAFETY: the inotify OwnedFd is moved into the AsyncFd, which owns it until it is
    // dropped, so the descriptor stays open and the same all along.
    let fd = unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut cameras =
        Cameras { fd, dir, dir_watch, devices: BTreeSet::new(), open: BTreeMap::new(), busy: false };
    for entry in std::fs::read_dir(&cameras.dir)?.flatten() {
        cameras.add_device(entry.file_name().as_encoded_bytes());
    }
    let name = format!("camera (inotify on {}/video*)", cameras.dir.display());
    // Whether a camera is in use already is read at the stream's first poll, once the daemon
    // is ready, since it means reading every process's descriptors; only a folder with cameras
    // is worth it. The watches are in place before, so no open is missed.
    let stream = futures_util::stream::unfold((cameras, true), |(mut c, start)| async move {
        if start && !c.devices.is_empty() && held_open(&c.dir) {
            c.busy = true;
            return Some((SessionEvent::Camera(true), (c, false)));
        }
        loop {
            let events = read_events(&c.fd).await?;
            for (wd, name, flags) in events {
                c.take(wd, name.as_deref(), flags);
            }
            // Two opens can arrive as one event: before saying "closed", make sure.
            let now = !c.open.is_empty() || (c.busy && held_open(&c.dir));
            if now != c.busy {
                c.busy = now;
                return Some((SessionEvent::Camera(now), (c, false)));
            }
        }
    });
    Ok((name, stream.boxed()))
}

/// The events waiting on the inotify descriptor (at least one); `None` if it can't be read.
async fn read_events(fd: &AsyncFd<OwnedFd>) -> Option<Vec<(i32, Option<Vec<u8>>, ReadFlags)>> {
    let mut ready = fd.readable().await.ok()?;
    let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
    let mut reader = inotify::Reader::new(fd.get_ref(), &mut buf);
    let mut events = Vec::new();
    loop {
        match reader.next() {
            Ok(e) => events.push((e.wd(), e.file_name().map(|n| n.to_bytes().to_vec()), e.events())),
            Err(rustix::io::Errno::AGAIN) => {
                ready.clear_ready();
                return Some(events);
            }
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return None,
        }
    }
}

/// Whether any process we can see holds a `video*` device of `dir` open, from the descriptors
/// in `/proc/*/fd`. Read only at start and when the count says the last one closed.
fn held_open(dir: &Path) -> bool {
    let Ok(procs) = std::fs::read_dir("/proc") else { return false };
    procs.flatten().filter(|p| p.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit())).any(|p| {
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else { return false };
        fds.flatten().any(|fd| {
            std::fs::read_link(fd.path()).is_ok_and(|target| {
                target.parent() == Some(dir)
                    && target.file_name().is_some_and(|n| is_camera(n.as_encoded_bytes()))
            })
        })
    })
}
