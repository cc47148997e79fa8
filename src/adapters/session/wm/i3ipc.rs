//! sway's and i3's IPC (one protocol): messages framed as `i3-ipc`, payload length and type
//! (both u32, native byte order), then a JSON payload. Busy while the focused window, or a
//! container holding it, is full screen (`fullscreen_mode` 1: its output, 2: global).
//!
//! One connection subscribes to `window`, `workspace` and `shutdown` events before a second
//! one reads the tree, so no change falls in between. After every window or workspace event the
//! tree is read again rather than worked out from the event: events come when focus or a window
//! changes (rare), and a workspace switch or a closed window moves the focus without saying
//! where, which the tree does.

use super::{Follow, REPLY_WAIT};
use serde_json::Value;
use std::io;
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

const MAGIC: &[u8; 6] = b"i3-ipc";
const HEADER: usize = MAGIC.len() + 8;
const SUBSCRIBE: u32 = 2;
const GET_TREE: u32 = 4;
/// Events have the high bit set in their type.
const EVENT_WORKSPACE: u32 = 0x8000_0000;
const EVENT_WINDOW: u32 = 0x8000_0003;
const EVENT_SHUTDOWN: u32 = 0x8000_0006;
/// No tree is this large; a length past it means the stream is not i3-ipc (or out of step).
const MAX_PAYLOAD: u32 = 64 << 20;

/// A message as sent on the socket.
fn encode(kind: u32, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    let mut m = Vec::with_capacity(HEADER + payload.len());
    m.extend_from_slice(MAGIC);
    m.extend_from_slice(&len.to_ne_bytes());
    m.extend_from_slice(&kind.to_ne_bytes());
    m.extend_from_slice(payload);
    m
}

/// A header's payload length and message type.
fn decode_header(h: &[u8; HEADER]) -> io::Result<(u32, u32)> {
    let bad = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    if &h[..MAGIC.len()] != MAGIC {
        return Err(bad("not an i3-ipc message".to_owned()));
    }
    let word = |at: usize| u32::from_ne_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
    let (len, kind) = (word(MAGIC.len()), word(MAGIC.len() + 4));
    if len > MAX_PAYLOAD {
        return Err(bad(format!("a message of {len} bytes")));
    }
    Ok((len, kind))
}

async fn send(conn: &mut UnixStream, kind: u32, payload: &[u8]) -> io::Result<()> {
    conn.write_all(&encode(kind, payload)).await
}

/// The next message's type and payload.
async fn receive(conn: &mut UnixStream) -> io::Result<(u32, Vec<u8>)> {
    let mut header = [0; HEADER];
    conn.read_exact(&mut header).await?;
    let (len, kind) = decode_header(&header)?;
    let mut payload = vec![0; len as usize];
    conn.read_exact(&mut payload).await?;
    Ok((kind, payload))
}

/// Sends a request and reads its reply, on a connection with no subscriptions.
async fn request(conn: &mut UnixStream, kind: u32, payload: &[u8]) -> io::Result<Vec<u8>> {
    send(conn, kind, payload).await?;
    let (got, reply) = receive(conn).await?;
    if got != kind {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("a reply of type {got} to {kind}")));
    }
    Ok(reply)
}

/// Whether the focused node is a window, or inside one of the containers, that is full screen.
/// Workspaces count for nothing: i3 and sway give them `fullscreen_mode` 1 whatever they hold.
fn focused_fullscreen(tree: &Value) -> bool {
    fn find(node: &Value, inside_full: bool) -> Option<bool> {
        let container = matches!(node["type"].as_str(), Some("con" | "floating_con"));
        let full = inside_full || (container && node["fullscreen_mode"].as_u64().is_some_and(|m| m != 0));
        if node["focused"].as_bool() == Some(true) {
            return Some(full);
        }
        ["nodes", "floating_nodes"]
            .into_iter()
            .filter_map(|k| node[k].as_array())
            .flatten()
            .find_map(|child| find(child, full))
    }
    find(tree, false).unwrap_or(false)
}

/// Subscribed on one connection; the tree is read on the other.
struct I3Follow {
    events: UnixStream,
    query: UnixStream,
    full: bool,
}

impl I3Follow {
    /// Reads the tree; whether the focused window is full screen in it, or an error if the
    /// compositor can't be asked. A tree that makes no sense leaves the value as it was.
    async fn read(&mut self) -> io::Result<bool> {
        let tree = tokio::time::timeout(REPLY_WAIT, request(&mut self.query, GET_TREE, b""))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no answer to GET_TREE"))??;
        match serde_json::from_slice::<Value>(&tree) {
            Ok(tree) => self.full = focused_fullscreen(&tree),
            Err(e) => tracing::warn!("sway's window tree is not JSON ({e}); full screen as it was"),
        }
        Ok(self.full)
    }
}

impl Follow for I3Follow {
    async fn next(&mut self) -> Option<bool> {
        loop {
            let kind = match receive(&mut self.events).await {
                Ok((kind, _)) => kind,
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    tracing::info!("sway's IPC closed; full screen is no longer seen");
                    return None;
                }
                Err(e) => {
                    tracing::warn!("lost sway's IPC ({e}); full screen is no longer seen");
                    return None;
                }
            };
            match kind {
                EVENT_WINDOW | EVENT_WORKSPACE => {}
                EVENT_SHUTDOWN => {
                    tracing::info!("sway is shutting down; full screen is no longer seen");
                    return None;
                }
                _ => continue,
            }
            return match self.read().await {
                Ok(full) => Some(full),
                Err(e) => {
                    tracing::warn!("can't read sway's window tree ({e}); full screen is no longer seen");
                    None
                }
            };
        }
    }
}

/// Subscribes on `socket`, then reads the tree on a second connection.
pub(super) async fn follow(
    socket: PathBuf,
) -> Result<futures_util::stream::BoxStream<'static, super::SessionEvent>, String> {
    let connect = async || {
        UnixStream::connect(&socket).await.map_err(|e| format!("can't connect to {}: {e}", socket.display()))
    };
    let mut events = connect().await?;
    let topics = br#"["window","workspace","shutdown"]"#;
    let reply = async {
        send(&mut events, SUBSCRIBE, topics).await?;
        // Nothing is sent on this connection before the reply to SUBSCRIBE.
        receive(&mut events).await
    };
    match reply.await.map_err(|e| format!("can't subscribe: {e}"))? {
        (SUBSCRIBE, payload) if subscribed(&payload) => {}
        (_, payload) => return Err(format!("subscribing refused: {}", String::from_utf8_lossy(&payload))),
    }
    let mut follow = I3Follow { events, query: connect().await?, full: false };
    let full = follow.read().await.map_err(|e| format!("can't read the window tree: {e}"))?;
    Ok(super::changes(follow, full))
}

/// Whether a reply to SUBSCRIBE says `{"success": true}`.
fn subscribed(payload: &[u8]) -> bool {
    serde_json::from_slice::<Value>(payload).is_ok_and(|v| v["success"] == Value::Bool(true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_message_is_magic_length_type_then_payload_in_native_byte_order() {
        let m = encode(GET_TREE, b"{}");
        assert_eq!(&m[..6], b"i3-ipc");
        assert_eq!(m[6..10], 2u32.to_ne_bytes());
        assert_eq!(m[10..14], 4u32.to_ne_bytes());
        assert_eq!(&m[14..], b"{}");
        let header: [u8; HEADER] = encode(EVENT_WINDOW, &[b'x'; 300])[..HEADER].try_into().unwrap();
        assert_eq!(decode_header(&header).unwrap(), (300, EVENT_WINDOW));
    }

    #[test]
    fn a_header_without_the_magic_or_with_a_huge_length_is_refused() {
        let mut header: [u8; HEADER] = encode(GET_TREE, b"")[..].try_into().unwrap();
        header[0] = b'x';
        assert_eq!(decode_header(&header).unwrap_err().kind(), io::ErrorKind::InvalidData);
        let mut header: [u8; HEADER] = encode(GET_TREE, b"")[..].try_into().unwrap();
        header[6..10].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert_eq!(decode_header(&header).unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    /// A tree as sway gives it, cut down: two outputs, a workspace with a split holding two
    /// windows and a floating one, full screen and focus where the caller says.
    fn tree(focused: &str, full: &str, mode: u64) -> Value {
        let node = |name: &str, kind: &str, children: Vec<Value>, floating: Vec<Value>| {
            json!({
                "name": name,
                "type": kind,
                "focused": name == focused,
                // Workspaces say 1 whatever they hold.
                "fullscreen_mode": if kind == "workspace" { 1 } else if name == full { mode } else { 0 },
                "nodes": children,
                "floating_nodes": floating,
            })
        };
        let split = node(
            "split",
            "con",
            vec![node("editor", "con", vec![], vec![]), node("video", "con", vec![], vec![])],
            vec![],
        );
        let ws =
            node("1", "workspace", vec![split], vec![node("calculator", "floating_con", vec![], vec![])]);
        let scratch = node("__i3_scratch", "workspace", vec![], vec![]);
        node(
            "root",
            "root",
            vec![
                node("__i3", "output", vec![scratch], vec![]),
                node("HEADLESS-1", "output", vec![ws], vec![]),
            ],
            vec![],
        )
    }

    #[test]
    fn the_focused_window_full_screen_on_its_output_or_globally_is_busy() {
        assert!(focused_fullscreen(&tree("video", "video", 1)));
        assert!(focused_fullscreen(&tree("video", "video", 2)));
        assert!(!focused_fullscreen(&tree("video", "none", 0)));
    }

    #[test]
    fn another_window_full_screen_is_not_busy() {
        assert!(!focused_fullscreen(&tree("editor", "video", 1)));
        assert!(!focused_fullscreen(&tree("calculator", "video", 1)));
    }

    #[test]
    fn a_floating_window_full_screen_and_a_window_in_a_full_screen_split_are_busy() {
        assert!(focused_fullscreen(&tree("calculator", "calculator", 1)));
        assert!(focused_fullscreen(&tree("editor", "split", 1)));
        assert!(focused_fullscreen(&tree("split", "split", 1)));
    }

    #[test]
    fn a_focused_workspace_is_not_full_screen_though_it_says_mode_1() {
        assert!(!focused_fullscreen(&tree("1", "none", 0)));
        assert!(!focused_fullscreen(&tree("__i3_scratch", "none", 0)));
    }

    #[test]
    fn a_tree_with_nothing_focused_or_of_the_wrong_shape_is_not_full_screen() {
        assert!(!focused_fullscreen(&tree("nothing", "video", 1)));
        assert!(!focused_fullscreen(&json!([1, 2, 3])));
        assert!(!focused_fullscreen(&json!({"focused": "yes", "nodes": {"a": 1}, "fullscreen_mode": -1})));
        assert!(!focused_fullscreen(&json!({"type": "con", "focused": true, "fullscreen_mode": "1"})));
    }

    #[test]
    fn only_a_successful_subscribe_reply_counts() {
        assert!(subscribed(br#"{"success": true}"#));
        assert!(!subscribed(br#"{"success": false, "error": "no such event"}"#));
        assert!(!subscribed(b"not json"));
    }
}
