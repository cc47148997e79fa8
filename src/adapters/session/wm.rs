//! Full screen in a Wayland session, from the compositor's own IPC (the Wayland protocol tells a
//! client nothing of other clients' windows): sway's or i3's IPC socket (`i3ipc`), else
//! Hyprland's event socket (`hyprland`); event-driven, never polled.

mod hyprland;
mod i3ipc;

use super::SessionEvent;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::path::PathBuf;
use std::time::Duration;

/// How long the compositor gets to answer a request, so a hung one can't stall the daemon's
/// start (nor hold the stream for good later).
const REPLY_WAIT: Duration = Duration::from_secs(2);

/// The compositor the environment names.
pub enum Compositor {
    /// sway, or i3 (same protocol): its IPC socket, from `SWAYSOCK` or `I3SOCK`.
    I3Ipc(PathBuf),
    /// Hyprland: its instance signature, from `HYPRLAND_INSTANCE_SIGNATURE`.
    Hyprland(String),
}

impl Compositor {
    pub fn from_env() -> Option<Compositor> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(socket) = var("SWAYSOCK").or_else(|| var("I3SOCK")) {
            Some(Compositor::I3Ipc(socket.into()))
        } else {
            var("HYPRLAND_INSTANCE_SIGNATURE")
                .map(|sig| Compositor::Hyprland(sig.to_string_lossy().into_owned()))
        }
    }

    /// What to call it in the log.
    pub fn name(&self) -> &'static str {
        match self {
            Compositor::I3Ipc(_) => "sway",
            Compositor::Hyprland(_) => "Hyprland",
        }
    }

    /// Subscribes to the compositor's events, then reads whether the focused window is full
    /// screen. Gives the source's name for `status` and a stream of `Fullscreen` changes that
    /// starts with `Fullscreen(true)` if it is full screen already, and ends (with
    /// `Fullscreen(false)` if it was on) when the compositor goes.
    pub async fn follow(&self) -> Result<(String, BoxStream<'static, SessionEvent>), String> {
        let started = match self {
            Compositor::I3Ipc(socket) => {
                tokio::time::timeout(REPLY_WAIT, i3ipc::follow(socket.clone())).await
            }
            Compositor::Hyprland(sig) => tokio::time::timeout(REPLY_WAIT, hyprland::follow(sig)).await,
        };
        let stream = started.map_err(|_| format!("no answer within {} s", REPLY_WAIT.as_secs()))??;
        let source = match self {
            Compositor::I3Ipc(_) => "sway IPC full screen",
            Compositor::Hyprland(_) => "Hyprland IPC full screen (socket2)",
        };
        Ok((source.to_owned(), stream))
    }
}

/// A compositor's IPC once subscribed and read.
trait Follow: Send + 'static {
    /// Waits for the next event that may change full screen and says whether the focused
    /// window is full screen after it; `None` once the compositor is gone.
    fn next(&mut self) -> impl Future<Output = Option<bool>> + Send;
}

/// The changes of full screen that `follow` sees, from `full` now: only changes are said, and a
/// compositor gone ends full screen.
fn changes(follow: impl Follow, full: bool) -> BoxStream<'static, SessionEvent> {
    let state = (Some(follow), Some(full), false);
    futures_util::stream::unfold(state, |(mut follow, mut first, mut said)| async move {
        loop {
            let now = match (first.take(), follow.as_mut()) {
                (Some(full), _) => full,
                (None, Some(f)) => f.next().await.unwrap_or_else(|| {
                    follow = None;
                    false
                }),
                (None, None) => return None,
            };
            if now != said {
                said = now;
                return Some((SessionEvent::Fullscreen(now), (follow, first, said)));
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    /// Says what it is given, then that the compositor is gone.
    struct Script(std::collections::VecDeque<bool>);

    impl Follow for Script {
        async fn next(&mut self) -> Option<bool> {
            self.0.pop_front()
        }
    }

    async fn said(full: bool, then: &[bool]) -> Vec<SessionEvent> {
        changes(Script(then.iter().copied().collect()), full).collect().await
    }

    #[tokio::test]
    async fn only_changes_are_said_and_full_screen_at_start_comes_first() {
        use SessionEvent::Fullscreen;
        assert_eq!(
            said(true, &[true, false, false, true]).await,
            [Fullscreen(true), Fullscreen(false), Fullscreen(true), Fullscreen(false)]
        );
        assert_eq!(said(false, &[false, true, true, false]).await, [Fullscreen(true), Fullscreen(false)]);
    }

    #[tokio::test]
    async fn a_compositor_that_takes_the_connection_but_never_answers_is_given_up_on() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("sway-ipc.sock");
        // Connections wait in the backlog: accepted as far as the client can tell, never read.
        let _hung = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let Err(e) = Compositor::I3Ipc(socket).follow().await else { panic!("followed a hung compositor") };
        assert_eq!(e, "no answer within 2 s");
    }

    #[tokio::test]
    async fn the_compositor_gone_ends_full_screen_and_the_stream() {
        assert_eq!(
            said(false, &[true]).await,
            [SessionEvent::Fullscreen(true), SessionEvent::Fullscreen(false)]
        );
        assert_eq!(said(false, &[]).await, []);
    }
}
