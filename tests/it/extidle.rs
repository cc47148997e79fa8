//! A stand-in Wayland compositor offering only what the idle adapter uses: a `wl_seat` and
//! `ext_idle_notifier_v1` (no Debian 12 compositor has the latter). The test says when the
//! seat is idle and when input comes back; every notification object then gets `idled` or
//! `resumed`, as a compositor sends them once its timeout is up.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wayland_protocols::ext::idle_notify::v1::server::{ext_idle_notification_v1, ext_idle_notifier_v1};
use wayland_server::backend::{ClientData, ClientId, DisconnectReason};
use wayland_server::protocol::wl_seat;
use wayland_server::{
    Client, DataInit, Dispatch, Display, DisplayHandle, GlobalDispatch, ListeningSocket, New,
};

enum Command {
    Idle(bool),
    Stop,
}

pub struct ExtIdleCompositor {
    socket: PathBuf,
    commands: mpsc::Sender<Command>,
    /// The timeouts of the live notification objects, in milliseconds.
    timeouts: Arc<Mutex<Vec<u32>>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

#[derive(Default)]
struct State {
    notifications: Vec<(ext_idle_notification_v1::ExtIdleNotificationV1, u32)>,
    timeouts: Arc<Mutex<Vec<u32>>>,
}

impl State {
    fn publish(&self) {
        *self.timeouts.lock().unwrap() = self.notifications.iter().map(|(_, t)| *t).collect();
    }
}

struct NoData;
impl ClientData for NoData {
    fn initialized(&self, _: ClientId) {}
    fn disconnected(&self, _: ClientId, _: DisconnectReason) {}
}

impl ExtIdleCompositor {
    pub fn start() -> ExtIdleCompositor {
        let dir = tempfile::Builder::new().prefix("extidle").tempdir().expect("temp dir");
        let socket = dir.path().join("wayland-stand-in");
        let listener = ListeningSocket::bind_absolute(socket.clone()).expect("bind the Wayland socket");
        let (commands, received) = mpsc::channel();
        let timeouts = Arc::new(Mutex::new(Vec::new()));
        let shared = timeouts.clone();
        let thread = std::thread::spawn(move || serve(listener, received, shared));
        ExtIdleCompositor { socket, commands, timeouts, thread: Some(thread), _dir: dir }
    }

    pub fn socket(&self) -> &std::path::Path {
        &self.socket
    }

    /// Sends `idled` (true) or `resumed` to every notification object.
    pub fn set_idle(&self, idle: bool) {
        self.commands.send(Command::Idle(idle)).unwrap();
    }

    pub fn timeouts(&self) -> Vec<u32> {
        self.timeouts.lock().unwrap().clone()
    }
}

impl Drop for ExtIdleCompositor {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The compositor's loop; it wakes every 20 ms for the test's commands (a test stand-in only).
fn serve(listener: ListeningSocket, commands: mpsc::Receiver<Command>, timeouts: Arc<Mutex<Vec<u32>>>) {
    let mut display: Display<State> = Display::new().expect("a Wayland display");
    let dh = display.handle();
    dh.create_global::<State, wl_seat::WlSeat, ()>(1, ());
    dh.create_global::<State, ext_idle_notifier_v1::ExtIdleNotifierV1, ()>(1, ());
    let mut state = State { timeouts, ..State::default() };
    let clients = display.backend().poll_fd().try_clone_to_owned().expect("dup the display's fd");
    loop {
        match commands.try_recv() {
            Ok(Command::Idle(idle)) => {
                for (n, _) in &state.notifications {
                    if idle {
                        n.idled();
                    } else {
                        n.resumed();
                    }
                }
            }
            Ok(Command::Stop) | Err(mpsc::TryRecvError::Disconnected) => return,
            Err(mpsc::TryRecvError::Empty) => {}
        }
        if let Ok(Some(stream)) = listener.accept() {
            let _ = display.handle().insert_client(stream, Arc::new(NoData));
        }
        let _ = display.dispatch_clients(&mut state);
        let _ = display.flush_clients();
        let mut fds = [
            rustix::event::PollFd::new(&listener, rustix::event::PollFlags::IN),
            rustix::event::PollFd::new(&clients, rustix::event::PollFlags::IN),
        ];
        let timeout = rustix::time::Timespec::try_from(Duration::from_millis(20)).unwrap();
        let _ = rustix::event::poll(&mut fds, Some(&timeout));
    }
}

impl GlobalDispatch<wl_seat::WlSeat, ()> for State {
    fn bind(
        _: &mut Self,
        _: &DisplayHandle,
        _: &Client,
        seat: New<wl_seat::WlSeat>,
        _: &(),
        init: &mut DataInit<'_, Self>,
    ) {
        init.init(seat, ());
    }
}

impl Dispatch<wl_seat::WlSeat, ()> for State {
    fn request(
        _: &mut Self,
        _: &Client,
        _: &wl_seat::WlSeat,
        _: wl_seat::Request,
        _: &(),
        _: &DisplayHandle,
        _: &mut DataInit<'_, Self>,
    ) {
    }
}

impl GlobalDispatch<ext_idle_notifier_v1::ExtIdleNotifierV1, ()> for State {
    fn bind(
        _: &mut Self,
        _: &DisplayHandle,
        _: &Client,
        notifier: New<ext_idle_notifier_v1::ExtIdleNotifierV1>,
        _: &(),
        init: &mut DataInit<'_, Self>,
    ) {
        init.init(notifier, ());
    }
}

impl Dispatch<ext_idle_notifier_v1::ExtIdleNotifierV1, ()> for State {
    fn request(
        state: &mut Self,
        _: &Client,
        _: &ext_idle_notifier_v1::ExtIdleNotifierV1,
        request: ext_idle_notifier_v1::Request,
        _: &(),
        _: &DisplayHandle,
        init: &mut DataInit<'_, Self>,
    ) {
        if let ext_idle_notifier_v1::Request::GetIdleNotification { id, timeout, .. } = request {
            let n = init.init(id, ());
            state.notifications.push((n, timeout));
            state.publish();
        }
    }
}

impl Dispatch<ext_idle_notification_v1::ExtIdleNotificationV1, ()> for State {
    fn request(
        state: &mut Self,
        _: &Client,
        n: &ext_idle_notification_v1::ExtIdleNotificationV1,
        request: ext_idle_notification_v1::Request,
        _: &(),
        _: &DisplayHandle,
        _: &mut DataInit<'_, Self>,
    ) {
        if let ext_idle_notification_v1::Request::Destroy = request {
            state.notifications.retain(|(x, _)| x != n);
            state.publish();
        }
    }
}
