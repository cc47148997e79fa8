//! logind on the system bus: the session's lock state (`Lock`/`Unlock`, `LockedHint`), the
//! manager's `PrepareForSleep`, and idle inhibited (`BlockInhibited` containing `idle`).

use super::{SessionEvent, follow, member, signal};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::time::Duration;
use zbus::proxy::CacheProperties;
use zbus::{Connection, Message, MessageStream, OwnedObjectPath, OwnedVariant, proxy};

const LOGIN1: &str = "org.freedesktop.login1";
const SESSION_IFACE: &str = "org.freedesktop.login1.Session";
const MANAGER_IFACE: &str = "org.freedesktop.login1.Manager";
const MANAGER_PATH: &str = "/org/freedesktop/login1";
const AUTO_SESSION: &str = "/org/freedesktop/login1/session/auto";
#[proxy(
    interface = "org.freedesktop.login1.Manager",
    default_service = "org.freedesktop.login1",
    default_path = "/org/freedesktop/login1"
)]
trait LoginManager {
    fn get_session(&self, id: &str) -> zbus::Result<OwnedObjectPath>;
    #[zbus(name = "GetSessionByPID")]
    fn get_session_by_pid(&self, pid: u32) -> zbus::Result<OwnedObjectPath>;
    /// What is inhibited now, e.g. `sleep:idle`.
    #[zbus(property)]
    fn block_inhibited(&self) -> zbus::Result<String>;
}

#[proxy(interface = "org.freedesktop.login1.Session", default_service = "org.freedesktop.login1")]
trait LoginSession {
    #[zbus(property)]
    fn locked_hint(&self) -> zbus::Result<bool>;
}

/// Connects to the system bus, finds our logind session, follows its lock state, the manager's
/// sleep signal and `BlockInhibited`, and reads `LockedHint` and `BlockInhibited` (whether idle
/// is inhibited, `None` if logind does not say). The error says why it can't.
pub(super) async fn start(
    streams: &mut Vec<BoxStream<'static, SessionEvent>>,
) -> Result<(Connection, OwnedObjectPath, bool, Option<bool>), String> {
    let conn = zbus::connection::Builder::system()
        .method_timeout(Duration::from_secs(5))
        .build()
        .await
        .map_err(|e| format!("no system bus: {e}"))?;
    let manager = LoginManagerProxy::builder(&conn)
        .cache_properties(CacheProperties::No)
        .build()
        .await
        .map_err(|e| e.to_string())?;
    let path = find_session(&manager).await;
    let bad = |e: zbus::Error| format!("logind: {e}");

    let sleep =
        signal().sender(LOGIN1).interface(MANAGER_IFACE).member("PrepareForSleep").build().map_err(bad)?;
    let lock = signal().sender(LOGIN1).interface(SESSION_IFACE).path(path.clone()).build().map_err(bad)?;
    let hint = signal()
        .sender(LOGIN1)
        .interface("org.freedesktop.DBus.Properties")
        .member("PropertiesChanged")
        .path(path.clone())
        .arg(0, SESSION_IFACE)
        .build()
        .map_err(bad)?;
    streams.push(
        follow(&conn, sleep, |m| m.body().deserialize::<bool>().ok().map(SessionEvent::Sleep))
            .await
            .map_err(bad)?,
    );
    streams.push(
        follow(&conn, lock, |m| match member(m).as_str() {
            "Lock" => Some(SessionEvent::Locked(true)),
            "Unlock" => Some(SessionEvent::Locked(false)),
            _ => None,
        })
        .await
        .map_err(bad)?,
    );
    streams.push(follow(&conn, hint, read_locked_hint).await.map_err(bad)?);
    let inhibit = signal()
        .sender(LOGIN1)
        .interface("org.freedesktop.DBus.Properties")
        .member("PropertiesChanged")
        .path(MANAGER_PATH)
        .arg(0, MANAGER_IFACE)
        .build()
        .map_err(bad)?;
    let changes =
        MessageStream::for_match_rule(inhibit, &conn, std::num::NonZeroUsize::new(16)).await.map_err(bad)?;
    let reader = manager.clone();
    streams.push(
        changes
            .filter_map(move |m| {
                let manager = reader.clone();
                async move {
                    let what = match read_block_inhibited(&m.ok()?)? {
                        Inhibits::Now(what) => what,
                        // Announced without its value: it must be asked for.
                        Inhibits::Invalidated => manager.block_inhibited().await.ok()?,
                    };
                    Some(SessionEvent::Inhibited(idle_inhibited(&what)))
                }
            })
            .boxed(),
    );
    let inhibited = manager.block_inhibited().await.ok().map(|what| idle_inhibited(&what));

    let session = LoginSessionProxy::builder(&conn)
        .path(path.clone())
        .cache_properties(CacheProperties::No)
        .build()
        .await
        .map_err(bad)?;
    let locked = session.locked_hint().await.map_err(bad)?;
    Ok((conn, path, locked, inhibited))
}

/// Our session's object: by `$XDG_SESSION_ID`, else by our PID, else logind's own choice for
/// the user (a user service belongs to no session), else the `auto` path.
async fn find_session(manager: &LoginManagerProxy<'_>) -> OwnedObjectPath {
    if let Some(id) = std::env::var("XDG_SESSION_ID").ok().filter(|s| !s.is_empty())
        && let Ok(path) = manager.get_session(&id).await
    {
        return path;
    }
    if let Ok(path) = manager.get_session_by_pid(std::process::id()).await {
        return path;
    }
    if let Ok(path) = manager.get_session("auto").await {
        return path;
    }
    OwnedObjectPath::try_from(AUTO_SESSION).expect("a valid path")
}

/// `LockedHint` out of a `PropertiesChanged` for the session interface, if it is in it.
fn read_locked_hint(m: &Message) -> Option<SessionEvent> {
    type Changed = (String, std::collections::HashMap<String, OwnedVariant>, Vec<String>);
    let (_iface, changed, _invalidated): Changed = m.body().deserialize().ok()?;
    let value = changed.get("LockedHint")?;
    bool::try_from(value).ok().map(SessionEvent::Locked)
}

/// Whether logind's `BlockInhibited` ("sleep:idle:handle-lid-switch") contains `idle`.
fn idle_inhibited(what: &str) -> bool {
    what.split(':').any(|w| w == "idle")
}

/// What a `PropertiesChanged` says of `BlockInhibited`.
#[derive(Debug, PartialEq, Eq)]
enum Inhibits {
    /// Its new value ("sleep:idle").
    Now(String),
    /// Changed, value not sent (the property is emitted as "invalidates").
    Invalidated,
}

/// `BlockInhibited` out of a `PropertiesChanged` for the manager interface, if it is in it.
fn read_block_inhibited(m: &Message) -> Option<Inhibits> {
    type Changed = (String, std::collections::HashMap<String, OwnedVariant>, Vec<String>);
    let (_iface, changed, invalidated): Changed = m.body().deserialize().ok()?;
    match changed.get("BlockInhibited") {
        Some(value) => String::try_from(value.try_clone().ok()?).ok().map(Inhibits::Now),
        None => invalidated.iter().any(|p| p == "BlockInhibited").then_some(Inhibits::Invalidated),
    }
}
