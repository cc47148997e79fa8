//! sway 1.7 headless, a real Wayland compositor for the idle and full-screen tests: it offers
//! `org_kde_kwin_idle`, and its IPC (`swaymsg`) moves the cursor as input would and puts a
//! window (weston's demo clients) in full screen. sway refuses to run as root, so as root it
//! runs as `nobody` with a runtime folder of that user's own, and so do its clients.

use std::os::unix::fs::{PermissionsExt, chown};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Sway {
    child: Option<Child>,
    /// Windows on it.
    clients: Vec<Child>,
    run: PathBuf,
    _dir: tempfile::TempDir,
}

pub(crate) const NOBODY: u32 = 65534;

/// A small Wayland client from Debian's weston, and the `app_id` its window has.
pub const DEMO_WINDOW: (&str, &str) = ("weston-flower", "org.freedesktop.weston.flower");

impl Sway {
    pub fn start() -> Sway {
        let dir = tempfile::Builder::new().prefix("sway").tempdir().expect("temp dir");
        let root = as_root();
        // Others may pass through to the runtime folder, which is theirs alone.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
        let run = dir.path().join("run");
        std::fs::create_dir(&run).unwrap();
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
        let config = run.join("config");
        std::fs::write(&config, "output HEADLESS-1 resolution 800x600\n").unwrap();
        if root {
            chown(&run, Some(NOBODY), Some(NOBODY)).unwrap();
            chown(&config, Some(NOBODY), Some(NOBODY)).unwrap();
        }
        let log = std::fs::File::create(dir.path().join("sway.log")).unwrap();
        let child = as_nobody("sway")
            .args(["-c".as_ref(), config.as_os_str()])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &run)
            .env("XDG_RUNTIME_DIR", &run)
            .env("WLR_BACKENDS", "headless")
            .env("WLR_LIBINPUT_NO_DEVICES", "1")
            .env("WLR_RENDERER", "pixman")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start sway");
        let sway = Sway { child: Some(child), clients: Vec::new(), run, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while sway.find("wayland-", "").is_none() || sway.find("sway-ipc.", ".sock").is_none() {
            let log = std::fs::read_to_string(sway._dir.path().join("sway.log")).unwrap_or_default();
            assert!(Instant::now() < deadline, "sway did not start:\n{log}");
            std::thread::sleep(Duration::from_millis(10));
        }
        sway
    }

    fn find(&self, prefix: &str, suffix: &str) -> Option<PathBuf> {
        std::fs::read_dir(&self.run).ok()?.flatten().map(|e| e.path()).find(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with(prefix) && name.ends_with(suffix) && !name.ends_with(".lock")
        })
    }

    /// Its `XDG_RUNTIME_DIR`, for Wayland clients started as the same user.
    pub fn runtime_dir(&self) -> &std::path::Path {
        &self.run
    }

    /// The compositor's socket, for `WAYLAND_DISPLAY` (an absolute path works there).
    pub fn socket(&self) -> PathBuf {
        self.find("wayland-", "").expect("sway's socket")
    }

    /// The IPC socket, for `SWAYSOCK`.
    pub fn ipc(&self) -> PathBuf {
        self.find("sway-ipc.", ".sock").expect("sway's IPC socket")
    }

    /// Runs `swaymsg ARGS`; says what it printed.
    pub fn msg(&self, args: &[&str]) -> String {
        let out =
            Command::new("swaymsg").env("SWAYSOCK", self.ipc()).args(args).output().expect("run swaymsg");
        assert!(out.status.success(), "swaymsg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `program`, a Wayland client, as the user sway runs as, and waits until its window
    /// (by `app_id`) is in sway's tree; it then has the focus.
    pub fn open_window(&mut self, program: &str, app_id: &str) {
        let log = std::fs::File::create(self._dir.path().join(format!("{program}.log"))).unwrap();
        let client = as_nobody(program)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("XDG_RUNTIME_DIR", &self.run)
            .env("WAYLAND_DISPLAY", self.socket())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {program} (package weston): {e}"));
        self.clients.push(client);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.msg(&["-t", "get_tree"]).contains(&format!("\"app_id\": \"{app_id}\"")) {
            let log = std::fs::read_to_string(self._dir.path().join(format!("{program}.log")));
            assert!(Instant::now() < deadline, "no {app_id} window on sway:\n{}", log.unwrap_or_default());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops sway, then what is left of its windows: as when the user logs out, sway goes with
    /// its windows still open.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            crate::headless::terminate(&mut [&mut child]);
        }
        let mut clients: Vec<&mut Child> = self.clients.iter_mut().collect();
        crate::headless::terminate(&mut clients);
    }

    /// The processes it started (sway and its windows), for whoever must stop them without
    /// this value's drop (the footprint bench).
    pub fn pids(&self) -> Vec<u32> {
        self.child.iter().chain(&self.clients).map(Child::id).collect()
    }

    /// Input, as the seat sees it: the cursor moves.
    pub fn move_cursor(&self) {
        self.msg(&["seat", "-", "cursor", "move", "5", "5"]);
    }
}

impl Drop for Sway {
    fn drop(&mut self) {
        self.stop();
    }
}

fn as_root() -> bool {
    rustix::process::getuid().is_root()
}

/// A command for `program`, run as `nobody` if we are root.
fn as_nobody(program: &str) -> Command {
    if as_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", program]);
        c
    } else {
        Command::new(program)
    }
}

/// Not a test: `bench/footprint.sh` runs it (with `SWAY=1`) to keep a headless sway with a
/// window in it while the idle daemon is measured, so its Wayland idle and full-screen watchers
/// are live. Writes `WAYLAND_DISPLAY` and `SWAYSOCK` lines, then the PIDs to stop (sway's
/// drop won't run when this is killed), to `$SWAY_READY`, and waits to be killed.
#[test]
#[ignore]
fn serve_sway_for_footprint() {
    let ready = std::env::var("SWAY_READY").expect("SWAY_READY is not set");
    let mut sway = Sway::start();
    sway.open_window(DEMO_WINDOW.0, DEMO_WINDOW.1);
    let pids: Vec<String> = sway.pids().iter().map(u32::to_string).collect();
    let lines = format!("{}\n{}\n{}\n", sway.socket().display(), sway.ipc().display(), pids.join(" "));
    std::fs::write(ready, lines).unwrap();
    loop {
        std::thread::park();
    }
}
