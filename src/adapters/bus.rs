//! Following a D-Bus service by its well-known name: whether it runs now, and when it comes and
//! goes. Callers ask a service only while it runs, so no call of ours starts one through D-Bus
//! activation.

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use zbus::Connection;

/// Whether `name` has an owner now, and a stream that says `true` when it gets one and `false`
/// when it loses it. Subscribed before asking, so a change in between is not missed.
pub async fn follow_name(
    conn: &Connection,
    name: &'static str,
) -> zbus::Result<(bool, BoxStream<'static, bool>)> {
    let dbus = zbus::fdo::DBusProxy::new(conn).await?;
    let changes = dbus
        .receive_name_owner_changed_with_args(&[(0, name)])
        .await?
        .filter_map(|c| std::future::ready(c.args().ok().map(|a| a.new_owner().is_some())))
        .boxed();
    let running = dbus.name_has_owner(name.try_into()?).await.unwrap_or(false);
    Ok((running, changes))
}
