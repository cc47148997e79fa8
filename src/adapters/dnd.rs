//! Do-not-disturb, read where each notification server or desktop keeps it: dunst's `paused`,
//! Plasma's `Inhibited`, xfce4-notifyd's xfconf setting, mako's modes, and GNOME's
//! `show-banners` through the desktop portal. Nothing here ever starts a service by asking it.

use super::bus::follow_name;
use futures_util::{Stream, StreamExt};
use zbus::message::Type as MessageType;
use zbus::proxy::CacheProperties;
use zbus::{Connection, MatchRule, MessageStream, OwnedVariant, Variant, proxy};

/// dunst's own control interface, for its do-not-disturb ("paused") state.
#[proxy(
    interface = "org.dunstproject.cmd0",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications"
)]
trait Dunst {
    /// Lower-case on the bus, unlike the spec's names.
    #[zbus(property, name = "paused")]
    fn paused(&self) -> zbus::Result<bool>;
}

/// KDE Plasma's notification server: its do-not-disturb flag (not in the spec).
#[proxy(interface = "org.freedesktop.Notifications", default_path = "/org/freedesktop/Notifications")]
trait Plasma {
    #[zbus(property)]
    fn inhibited(&self) -> zbus::Result<bool>;
}

/// Reads a server's do-not-disturb, by its unique name, where its `DndSource` says.
pub struct DndReader {
    conn: Connection,
    dbus: zbus::fdo::DBusProxy<'static>,
}

impl DndReader {
    pub async fn new(conn: &Connection) -> zbus::Result<DndReader> {
        Ok(DndReader { conn: conn.clone(), dbus: zbus::fdo::DBusProxy::new(conn).await? })
    }

    /// A proxy to the server `unique` for Plasma's flag, so a call never reaches its successor.
    async fn plasma(&self, unique: &str) -> zbus::Result<PlasmaProxy<'static>> {
        let name = zbus::names::BusName::try_from(unique.to_owned())?;
        PlasmaProxy::builder(&self.conn).destination(name).cache_properties(CacheProperties::No).build().await
    }

    /// Whether the server `unique` is in do-not-disturb, asked where `source` says that server
    /// keeps it. Anything unreadable (a server without the property, xfconfd not running, an
    /// answer of the wrong type) counts as not in do-not-disturb: reminders then go out as
    /// before, which is better than holding them on a guess.
    pub async fn server(&self, unique: &str, source: DndSource) -> bool {
        match source {
            DndSource::ServerProperties => self.dunst_or_kde(unique).await,
            DndSource::Xfconf => self.xfconf_dnd().await,
            DndSource::MakoMode => self.mako_dnd(unique).await,
        }
    }

    /// dunst paused, or KDE's `Inhibited`.
    async fn dunst_or_kde(&self, unique: &str) -> bool {
        let dunst = zbus::names::BusName::try_from(unique.to_owned())
            .map(|name| DunstProxy::builder(&self.conn).destination(name))
            .map(|b| b.cache_properties(CacheProperties::No));
        if let Ok(b) = dunst
            && let Ok(proxy) = b.build().await
            && let Ok(true) = proxy.paused().await
        {
            return true;
        }
        match self.plasma(unique).await {
            Ok(proxy) => matches!(proxy.inhibited().await, Ok(true)),
            Err(_) => false,
        }
    }

    /// xfce4-notifyd's setting in xfconf. Only read while xfconfd runs: reading would otherwise
    /// start it through D-Bus activation, and a daemon of ours should not start the desktop's
    /// settings store. The call also carries NO_AUTO_START, for the moment between the check
    /// and the call.
    async fn xfconf_dnd(&self) -> bool {
        let running = match zbus::names::BusName::try_from(XFCONF) {
            Ok(name) => self.dbus.name_has_owner(name).await.unwrap_or(false),
            Err(_) => false,
        };
        if !running {
            return false;
        }
        let proxy = XfconfProxy::builder(&self.conn).cache_properties(CacheProperties::No).build().await;
        match proxy {
            // Unset is an error: xfce4-notifyd's own default is off.
            Ok(p) => {
                p.get_property(XFCE_DND.0, XFCE_DND.1).await.ok().is_some_and(|v| boolean(&v) == Some(true))
            }
            Err(_) => false,
        }
    }

    /// Whether mako `unique` has a do-not-disturb mode on (see `is_dnd_mode`).
    async fn mako_dnd(&self, unique: &str) -> bool {
        let Ok(name) = zbus::names::BusName::try_from(unique.to_owned()) else { return false };
        let proxy = MakoProxy::builder(&self.conn)
            .destination(name)
            .cache_properties(CacheProperties::No)
            .build()
            .await;
        match proxy {
            Ok(p) => match p.list_modes().await {
                Ok(modes) => modes.iter().any(|m| is_dnd_mode(m)),
                Err(e) => {
                    tracing::debug!("can't list mako's modes: {e}");
                    false
                }
            },
            Err(_) => false,
        }
    }
}

/// Where a notification server's do-not-disturb is read, by the name its
/// `GetServerInformation` gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DndSource {
    /// dunst's `paused` and KDE's `Inhibited`: properties on the server's own object that
    /// announce their changes (`PropertiesChanged`). Also tried for any server not known here.
    ServerProperties,
    /// xfce4-notifyd keeps it in its xfconf channel, whose changes xfconfd announces.
    Xfconf,
    /// mako's modes. mako up to 1.9 announces no mode change (1.10 added a `Modes` property
    /// that does), and every version says "0.0.0" as its version, so the modes are also read
    /// right before a reminder is due.
    MakoMode,
}

impl DndSource {
    pub fn of(server_name: &str) -> DndSource {
        match server_name {
            "Xfce Notify Daemon" => DndSource::Xfconf,
            "mako" => DndSource::MakoMode,
            _ => DndSource::ServerProperties,
        }
    }

    /// Whether its changes may come unannounced, so it must be read when a reminder is due.
    pub fn read_when_due(self) -> bool {
        self == DndSource::MakoMode
    }

    /// How status and the log describe it.
    pub fn describe(self) -> &'static str {
        match self {
            DndSource::ServerProperties => {
                "the server's own (dunst paused, KDE Inhibited), followed as it changes"
            }
            DndSource::Xfconf => "xfconf xfce4-notifyd /do-not-disturb, followed as it changes",
            DndSource::MakoMode => "mako mode do-not-disturb (read when a reminder is due)",
        }
    }
}

/// Whether a mako mode is meant as do-not-disturb. mako has no do-not-disturb of its own:
/// users add a mode with `invisible=1` and switch it on (`makoctl mode -a do-not-disturb`).
/// What a mode does lives in mako's config file, which postured can't find reliably (`mako -c`
/// takes any path), so the mode's name decides: `do-not-disturb`, or a name with
/// `do-not-disturb` or a word `dnd` in it (`dnd`, `dnd-work`; not `sandnd`), in any case and
/// with `-`, `_` or spaces between words.
pub fn is_dnd_mode(mode: &str) -> bool {
    let mode = mode.to_lowercase().replace(['_', ' ', '.'], "-");
    mode.contains("do-not-disturb") || mode.contains("donotdisturb") || mode.split('-').any(|w| w == "dnd")
}

/// mako's own control interface, served on the same connection as its notifications.
pub const MAKO_INTERFACE: &str = "fr.emersion.Mako";
pub const MAKO_PATH: &str = "/fr/emersion/Mako";

#[proxy(interface = "fr.emersion.Mako", default_path = "/fr/emersion/Mako")]
trait Mako {
    /// The modes on now (mako 1.7 and later).
    fn list_modes(&self) -> zbus::Result<Vec<String>>;
}

pub const XFCONF: &str = "org.xfce.Xfconf";
/// xfce4-notifyd's do-not-disturb: channel and property in xfconf.
const XFCE_DND: (&str, &str) = ("xfce4-notifyd", "/do-not-disturb");

#[proxy(
    interface = "org.xfce.Xfconf",
    default_service = "org.xfce.Xfconf",
    default_path = "/org/xfce/Xfconf"
)]
trait Xfconf {
    #[zbus(no_autostart)]
    fn get_property(&self, channel: &str, property: &str) -> zbus::Result<OwnedVariant>;
}

/// Yields whenever xfce4-notifyd's do-not-disturb in xfconf may have changed: the property
/// changed or was removed, or xfconfd (re)appeared and may hold another value. Subscribed
/// before anyone reads it, so no change falls between the read and the subscription. Also
/// says whether xfconfd runs now.
pub async fn xfconf_dnd_changes(conn: &Connection) -> zbus::Result<(bool, impl Stream<Item = ()> + use<>)> {
    let rule = |member: &'static str| {
        MatchRule::builder()
            .msg_type(MessageType::Signal)
            .interface(XFCONF)
            .member(member)
            .path("/org/xfce/Xfconf")
            .arg(0, XFCE_DND.0)
            .arg(1, XFCE_DND.1)
            .build()
    };
    let changed =
        MessageStream::for_match_rule(rule("PropertyChanged")?, conn, std::num::NonZeroUsize::new(8)).await?;
    let removed =
        MessageStream::for_match_rule(rule("PropertyRemoved")?, conn, std::num::NonZeroUsize::new(8)).await?;
    let (running, owner) = follow_name(conn, XFCONF).await?;
    // Gone: xfce4-notifyd keeps the value it had, and so do we.
    let appeared = owner.filter_map(|up| std::future::ready(up.then_some(())));
    let settings =
        futures_util::stream::select(changed, removed).filter_map(|m| async move { m.ok().map(|_| ()) });
    Ok((running, futures_util::stream::select(settings, appeared)))
}

/// GNOME's do-not-disturb switch: `show-banners` in `org.gnome.desktop.notifications`.
const BANNERS: (&str, &str) = ("org.gnome.desktop.notifications", "show-banners");

#[proxy(
    interface = "org.freedesktop.portal.Settings",
    default_service = "org.freedesktop.portal.Desktop",
    default_path = "/org/freedesktop/portal/desktop"
)]
trait PortalSettings {
    /// Never starts the portal: asked only while it runs.
    #[zbus(no_autostart)]
    fn read_one(&self, namespace: &str, key: &str) -> zbus::Result<OwnedVariant>;
    /// The older call, whose answer is wrapped in one more variant.
    #[zbus(no_autostart)]
    fn read(&self, namespace: &str, key: &str) -> zbus::Result<OwnedVariant>;
}

/// A boolean, through any number of variants around it.
fn boolean(v: &Variant<'_>) -> Option<bool> {
    match v {
        Variant::Bool(b) => Some(*b),
        Variant::Variant(inner) => boolean(inner),
        _ => None,
    }
}

/// The desktop's own do-not-disturb, where a notification server's state doesn't show it:
/// GNOME's `show-banners = false`, through the desktop portal's Settings (`SettingChanged`
/// followed first, then `ReadOne`, else `Read`). `None` if the portal doesn't have the
/// setting (not GNOME, or no portal); the stream says `true` when do-not-disturb comes on.
/// The portal is read only while it runs (and again when it starts): a call of ours must not
/// start it through D-Bus activation on a desktop that doesn't run it.
pub async fn desktop_dnd(
    conn: &Connection,
) -> zbus::Result<(Option<bool>, impl Stream<Item = bool> + use<>)> {
    let rule = MatchRule::builder()
        .msg_type(MessageType::Signal)
        .interface("org.freedesktop.portal.Settings")
        .member("SettingChanged")
        .arg(0, BANNERS.0)
        .arg(1, BANNERS.1)
        .build()?;
    let changes = MessageStream::for_match_rule(rule, conn, std::num::NonZeroUsize::new(8)).await?;
    let changes = changes
        .filter_map(|m| async move {
            let (_ns, _key, value): (String, String, OwnedVariant) = m.ok()?.body().deserialize().ok()?;
            boolean(&value).map(|banners| !banners)
        })
        .boxed();
    let (running, owner) = follow_name(conn, PORTAL).await?;
    let portal = PortalSettingsProxy::builder(conn).cache_properties(CacheProperties::No).build().await?;
    let banners = if running { show_banners(&portal).await } else { None };
    let owner = owner
        .filter_map(move |up| {
            let portal = portal.clone();
            async move {
                if !up {
                    return Some(false); // gone: nothing says do-not-disturb any more
                }
                show_banners(&portal).await.map(|banners| !banners)
            }
        })
        .boxed();
    Ok((banners.map(|b| !b), futures_util::stream::select(changes, owner)))
}

const PORTAL: &str = "org.freedesktop.portal.Desktop";

/// `show-banners` as the portal has it, if it has it.
async fn show_banners(portal: &PortalSettingsProxy<'_>) -> Option<bool> {
    match portal.read_one(BANNERS.0, BANNERS.1).await {
        Ok(v) => boolean(&v),
        Err(_) => portal.read(BANNERS.0, BANNERS.1).await.ok().and_then(|v| boolean(&v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mako_modes_named_for_do_not_disturb_count_and_others_do_not() {
        for mode in [
            "do-not-disturb",
            "Do-Not-Disturb",
            "do_not_disturb",
            "dnd",
            "DND",
            "dnd-work",
            "work dnd",
            "donotdisturb",
            "my-do-not-disturb-mode",
        ] {
            assert!(is_dnd_mode(mode), "{mode:?}");
        }
        for mode in ["default", "", "sandnd", "dndx", "away", "do-not", "disturb", "quiet"] {
            assert!(!is_dnd_mode(mode), "{mode:?}");
        }
    }

    #[test]
    fn the_server_name_says_where_its_do_not_disturb_is_read() {
        assert_eq!(DndSource::of("Xfce Notify Daemon"), DndSource::Xfconf);
        assert_eq!(DndSource::of("mako"), DndSource::MakoMode);
        for other in ["dunst", "Plasma", "gnome-shell", "", "xfce4-notifyd", "Mako"] {
            assert_eq!(DndSource::of(other), DndSource::ServerProperties, "{other:?}");
        }
        assert!(DndSource::MakoMode.read_when_due());
        assert!(!DndSource::Xfconf.read_when_due() && !DndSource::ServerProperties.read_when_due());
    }
}
