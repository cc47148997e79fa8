//! A stand-in Hyprland (no Debian 12 package has it): its two sockets in
//! `<runtime dir>/hypr/<signature>/`. `.socket.sock` answers `j/activewindow` with what the test
//! set, one request per connection as Hyprland does; `.socket2.sock` passes on the event lines
//! the test sends to every client connected to it.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub const SIGNATURE: &str = "stand-in_1700000000_test";

#[derive(Default)]
struct Shared {
    active_window: Mutex<String>,
    requests: Mutex<Vec<String>>,
    subscribers: Mutex<Vec<UnixStream>>,
    stop: AtomicBool,
}

pub struct Hyprland {
    dir: PathBuf,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl Hyprland {
    /// Listens in `runtime/hypr/SIGNATURE`, with no active window (`{}`).
    pub fn start(runtime: &Path) -> Hyprland {
        let dir = runtime.join("hypr").join(SIGNATURE);
        std::fs::create_dir_all(&dir).unwrap();
        let shared = Arc::new(Shared::default());
        *shared.active_window.lock().unwrap() = "{}".to_owned();
        let requests = UnixListener::bind(dir.join(".socket.sock")).expect("bind .socket.sock");
        let events = UnixListener::bind(dir.join(".socket2.sock")).expect("bind .socket2.sock");
        let s = shared.clone();
        let answer = std::thread::spawn(move || {
            for conn in requests.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut conn) = conn else { continue };
                let mut buf = [0; 1024];
                let n = conn.read(&mut buf).unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).into_owned();
                let reply = if request == "j/activewindow" {
                    s.active_window.lock().unwrap().clone()
                } else {
                    "unknown request".to_owned()
                };
                s.requests.lock().unwrap().push(request);
                let _ = conn.write_all(reply.as_bytes());
            }
        });
        let s = shared.clone();
        let subscribe = std::thread::spawn(move || {
            for conn in events.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(conn) = conn {
                    s.subscribers.lock().unwrap().push(conn);
                }
            }
        });
        Hyprland { dir, shared, threads: vec![answer, subscribe] }
    }

    /// What `j/activewindow` answers from now on.
    pub fn set_active_window(&self, json: &str) {
        *self.shared.active_window.lock().unwrap() = json.to_owned();
    }

    /// Sends `line` (without its newline) to every event client.
    pub fn send(&self, line: &str) {
        for conn in self.shared.subscribers.lock().unwrap().iter_mut() {
            let _ = conn.write_all(format!("{line}\n").as_bytes());
        }
    }

    /// How many clients are connected to the event socket (closed ones count until `close_events`).
    pub fn subscribers(&self) -> usize {
        self.shared.subscribers.lock().unwrap().len()
    }

    /// The requests read so far.
    pub fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Closes every event client's connection, as Hyprland exiting does.
    pub fn close_events(&self) {
        self.shared.subscribers.lock().unwrap().clear();
    }
}

impl Drop for Hyprland {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes both threads from `accept`.
        let _ = UnixStream::connect(self.dir.join(".socket.sock"));
        let _ = UnixStream::connect(self.dir.join(".socket2.sock"));
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
