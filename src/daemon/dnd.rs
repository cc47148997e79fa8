//! Do-not-disturb as the daemon follows it: the desktop's switch (GNOME's), xfconf's for
//! xfce4-notifyd, and the running server's own, each change handed to the engine as `Input::Dnd`.

use super::Daemon;
use crate::adapters::dnd::{self, DndReader, DndSource};
use crate::core::engine::Input;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tracing::{info, warn};

pub(super) struct Dnd {
    reader: DndReader,
    /// The desktop's own do-not-disturb (GNOME's), apart from the server's.
    desktop: bool,
    /// Whether the desktop portal has GNOME's switch, for status.
    gnome: bool,
    /// The running server's unique name and where its do-not-disturb is read.
    server: Option<(String, DndSource)>,
}

/// The changes the serve loop waits for.
pub(super) struct DndEvents {
    /// The desktop's switch, now on (`true`) or off.
    pub desktop: BoxStream<'static, bool>,
    /// xfce4-notifyd's setting in xfconf may have changed.
    pub xfconf: BoxStream<'static, ()>,
}

impl DndEvents {
    pub fn none() -> DndEvents {
        DndEvents {
            desktop: futures_util::stream::pending().boxed(),
            xfconf: futures_util::stream::pending().boxed(),
        }
    }
}

impl Dnd {
    /// Follows the desktop's and xfconf's settings (before any server is found and its own
    /// read, so no change falls in between), and reads the desktop's now.
    pub async fn start(conn: &zbus::Connection) -> zbus::Result<(Dnd, DndEvents)> {
        let reader = DndReader::new(conn).await?;
        let (desktop, gnome, desktop_events) = match dnd::desktop_dnd(conn).await {
            Ok((now, stream)) => {
                if now.is_some() {
                    info!("do-not-disturb: GNOME show-banners (org.freedesktop.portal.Settings)");
                }
                (now.unwrap_or(false), now.is_some(), stream.boxed())
            }
            Err(e) => {
                warn!("can't follow the desktop portal's settings: {e}");
                (false, false, futures_util::stream::pending().boxed())
            }
        };
        let xfconf = match dnd::xfconf_dnd_changes(conn).await {
            Ok((running, stream)) => {
                if running {
                    info!(
                        "do-not-disturb: xfconf xfce4-notifyd /do-not-disturb ({}), while xfce4-notifyd is the server",
                        dnd::XFCONF
                    );
                }
                stream.boxed()
            }
            Err(e) => {
                warn!("can't follow xfconf: {e}");
                futures_util::stream::pending().boxed()
            }
        };
        let dnd = Dnd { reader, desktop, gnome, server: None };
        Ok((dnd, DndEvents { desktop: desktop_events, xfconf }))
    }

    /// The server `unique` is gone, and where its setting was read with it.
    pub fn server_gone(&mut self, unique: &str) {
        if self.server.as_ref().is_some_and(|(u, _)| u == unique) {
            self.server = None;
        }
    }
}

impl Daemon {
    /// Do-not-disturb on the server `unique` or on the desktop.
    pub(super) async fn do_not_disturb(&self, unique: &str) -> bool {
        let source = match &self.dnd.server {
            Some((server, source)) if server == unique => *source,
            _ => DndSource::ServerProperties,
        };
        self.dnd.desktop || self.dnd.reader.server(unique, source).await
    }

    /// A server was found: where its do-not-disturb is read, said once, and whether it is on.
    pub(super) async fn server_dnd(&mut self, unique: &str, name: &str, label: &str) -> bool {
        let source = DndSource::of(name);
        self.dnd.server = Some((unique.to_owned(), source));
        info!("do-not-disturb on {label}: {}", source.describe());
        self.do_not_disturb(unique).await
    }

    /// Right before what is due is handled: reads the do-not-disturb of a server that may
    /// change it unannounced (mako before 1.10), so a reminder is neither shown into a hidden
    /// mode nor held after it ended. One call when something is due, and no timer of its own.
    /// Servers that announce their changes are not asked: what the engine has is current.
    pub(super) async fn read_unannounced_dnd(&mut self) {
        let Some((unique, source)) = self.dnd.server.clone() else { return };
        if !source.read_when_due() || self.engine.server().is_none_or(|s| s.name != unique) {
            return;
        }
        let dnd = self.do_not_disturb(&unique).await;
        if dnd != self.engine.dnd() {
            self.input(Input::Dnd(dnd)).await;
        }
    }

    /// xfce4-notifyd's setting in xfconf may have changed; it counts only while that server runs.
    pub(super) async fn on_xfconf_dnd(&mut self) {
        let Some((unique, DndSource::Xfconf)) = self.dnd.server.clone() else { return };
        if self.engine.server().is_none_or(|s| s.name != unique) {
            return;
        }
        let dnd = self.do_not_disturb(&unique).await;
        self.input(Input::Dnd(dnd)).await;
    }

    /// How do-not-disturb is seen now, for status.
    pub(super) fn dnd_sources(&self) -> String {
        let server = self.dnd.server.as_ref().map(|(_, source)| source.describe());
        let gnome = self.dnd.gnome.then_some("GNOME show-banners, followed as it changes");
        server.into_iter().chain(gnome).collect::<Vec<_>>().join("; ")
    }

    /// The desktop's do-not-disturb switch changed.
    pub(super) async fn on_desktop_dnd(&mut self, on: bool) {
        self.dnd.desktop = on;
        let dnd = match self.engine.server().map(|s| s.name.clone()) {
            Some(server) => self.do_not_disturb(&server).await,
            None => on,
        };
        self.input(Input::Dnd(dnd)).await;
    }
}
