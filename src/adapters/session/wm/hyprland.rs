//! Hyprland: its event socket (`.socket2.sock`) sends lines `EVENT>>DATA`, its request socket
//! (`.socket.sock`) answers one request per connection. Busy while the active window is full
//! screen, as `j/activewindow` says.
//!
//! `fullscreen>>1` alone can't decide: Hyprland sends it for a maximized window too, and a
//! focus or workspace change brings another window to the front with no `fullscreen` event. So
//! after each of `fullscreen`, `activewindow`, `workspace`, `focusedmon` and `closewindow` the
//! active window is read again (those come on a change of focus, which is rare).

use super::{Follow, REPLY_WAIT};
use serde_json::Value;
use std::io;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

const EVENTS: &str = ".socket2.sock";
const REQUESTS: &str = ".socket.sock";
/// An active window's description is a few hundred bytes.
const MAX_REPLY: u64 = 1 << 20;

/// The instance's folder: under `$XDG_RUNTIME_DIR/hypr` since Hyprland 0.40, in `/tmp/hypr`
/// before.
fn socket_dir(sig: &str) -> Result<PathBuf, String> {
    if sig.contains('/') || sig == ".." {
        return Err(format!("{sig:?} is not an instance signature"));
    }
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()).map(PathBuf::from);
    let candidates: Vec<PathBuf> =
        runtime.into_iter().chain([PathBuf::from("/tmp")]).map(|d| d.join("hypr").join(sig)).collect();
    candidates.iter().find(|d| d.join(EVENTS).exists()).cloned().ok_or_else(|| {
        let looked: Vec<String> = candidates.iter().map(|d| d.join(EVENTS).display().to_string()).collect();
        format!("no {}", looked.join(" nor "))
    })
}

/// Whether an `activewindow` reply in JSON says the window is full screen: `fullscreen` is a
/// bool before Hyprland 0.42 (with `fullscreenMode` 1 for maximized), since then a set of modes
/// (1 maximized, 2 full screen). `{}` is no active window.
fn fullscreen_of(reply: &[u8]) -> Result<bool, String> {
    let window: Value = serde_json::from_slice(reply).map_err(|e| format!("not JSON ({e})"))?;
    if !window.is_object() {
        return Err("not a JSON object".to_owned());
    }
    match &window["fullscreen"] {
        Value::Null => Ok(false),
        Value::Bool(full) => Ok(*full && window["fullscreenMode"].as_u64() != Some(1)),
        Value::Number(modes) => {
            modes.as_u64().map(|m| m & 2 != 0).ok_or_else(|| format!("fullscreen {modes}"))
        }
        other => Err(format!("fullscreen {other}")),
    }
}

/// Whether an event line may mean the active window's full screen changed.
fn may_change(line: &str) -> bool {
    line.split_once(">>").is_some_and(|(event, _)| {
        matches!(event, "fullscreen" | "activewindow" | "workspace" | "focusedmon" | "closewindow")
    })
}

/// Asks the request socket in `dir` whether the active window is full screen.
async fn active_window_fullscreen(dir: &Path) -> Result<bool, String> {
    let ask = async {
        let mut conn = UnixStream::connect(dir.join(REQUESTS)).await?;
        conn.write_all(b"j/activewindow").await?;
        let mut reply = Vec::new();
        conn.take(MAX_REPLY).read_to_end(&mut reply).await?;
        io::Result::Ok(reply)
    };
    let reply = tokio::time::timeout(REPLY_WAIT, ask)
        .await
        .map_err(|_| "no answer to j/activewindow".to_owned())?
        .map_err(|e| format!("can't ask {}: {e}", dir.join(REQUESTS).display()))?;
    fullscreen_of(&reply).map_err(|e| format!("j/activewindow: {e}: {}", String::from_utf8_lossy(&reply)))
}

struct HyprFollow {
    events: BufReader<UnixStream>,
    dir: PathBuf,
    full: bool,
}

impl Follow for HyprFollow {
    async fn next(&mut self) -> Option<bool> {
        let mut line = Vec::new();
        loop {
            line.clear();
            match self.events.read_until(b'\n', &mut line).await {
                Ok(0) => {
                    tracing::info!("Hyprland's event socket closed; full screen is no longer seen");
                    return None;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("lost Hyprland's event socket ({e}); full screen is no longer seen");
                    return None;
                }
            }
            if !may_change(&String::from_utf8_lossy(&line)) {
                continue;
            }
            match active_window_fullscreen(&self.dir).await {
                Ok(full) => {
                    self.full = full;
                    return Some(full);
                }
                Err(e) => tracing::warn!("can't read Hyprland's active window ({e}); full screen as it was"),
            }
        }
    }
}

/// Connects to the event socket of instance `sig`, then reads the active window.
pub(super) async fn follow(
    sig: &str,
) -> Result<futures_util::stream::BoxStream<'static, super::SessionEvent>, String> {
    let dir = socket_dir(sig)?;
    let events = UnixStream::connect(dir.join(EVENTS))
        .await
        .map_err(|e| format!("can't connect to {}: {e}", dir.join(EVENTS).display()))?;
    let full = active_window_fullscreen(&dir).await?;
    Ok(super::changes(HyprFollow { events: BufReader::new(events), dir, full }, full))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_active_window_before_0_42_says_full_screen_as_a_bool_and_maximized_as_mode_1() {
        assert!(fullscreen_of(br#"{"address": "0x1", "fullscreen": true, "fullscreenMode": 0}"#).unwrap());
        assert!(fullscreen_of(br#"{"fullscreen": true}"#).unwrap());
        assert!(!fullscreen_of(br#"{"fullscreen": true, "fullscreenMode": 1}"#).unwrap());
        assert!(!fullscreen_of(br#"{"fullscreen": false, "fullscreenMode": 0}"#).unwrap());
    }

    #[test]
    fn the_active_window_since_0_42_says_a_set_of_modes_where_2_is_full_screen() {
        assert!(!fullscreen_of(br#"{"fullscreen": 0, "fullscreenClient": 0}"#).unwrap());
        assert!(!fullscreen_of(br#"{"fullscreen": 1}"#).unwrap());
        assert!(fullscreen_of(br#"{"fullscreen": 2, "fullscreenClient": 2}"#).unwrap());
        assert!(fullscreen_of(br#"{"fullscreen": 3}"#).unwrap());
    }

    #[test]
    fn no_active_window_is_not_full_screen_and_nonsense_is_an_error() {
        assert!(!fullscreen_of(b"{}").unwrap());
        assert!(fullscreen_of(b"Invalid").is_err());
        assert!(fullscreen_of(b"[true]").is_err());
        assert!(fullscreen_of(br#"{"fullscreen": "yes"}"#).is_err());
        assert!(fullscreen_of(br#"{"fullscreen": -1}"#).is_err());
    }

    #[test]
    fn focus_workspace_and_full_screen_events_are_read_and_others_are_not() {
        for line in [
            "fullscreen>>1\n",
            "fullscreen>>0",
            "activewindow>>kitty,~ >> vim",
            "workspace>>2\n",
            "focusedmon>>DP-1,3\n",
            "closewindow>>55d0c2f9\n",
        ] {
            assert!(may_change(line), "{line:?}");
        }
        for line in [
            "activewindowv2>>55d0c2f9\n",
            "openwindow>>55d0c2f9,2,kitty,~\n",
            "title>>fullscreen>>1\n",
            "fullscreen\n",
            "",
            "windowtitle>>55d0c2f9\n",
        ] {
            assert!(!may_change(line), "{line:?}");
        }
    }

    #[test]
    fn an_instance_signature_that_climbs_out_of_the_folder_is_refused() {
        assert!(socket_dir("../x").is_err());
        assert!(socket_dir("..").is_err());
    }
}
