//! Full screen under Wayland, from the compositor's own IPC: a real headless sway with one of
//! weston's demo windows on it, and a stand-in Hyprland answering on its two sockets.

use crate::daemon::{Daemon, WAIT, fast_config, status_json, wait_until};
use crate::desktop::Desktop;
use crate::hyprland::{Hyprland, SIGNATURE};
use crate::support::Home;
use crate::sway::{DEMO_WINDOW, Sway};

fn state(desktop: &Desktop, home: &Home) -> String {
    status_json(desktop, home)["state"].as_str().unwrap_or_default().to_owned()
}

fn wait_state(desktop: &Desktop, home: &Home, want: &str) {
    wait_until(&format!("status to say {want}"), || (state(desktop, home) == want).then_some(()));
    if want == "busy" {
        assert_eq!(status_json(desktop, home)["busy"], "full screen");
    }
}

fn start_on_sway(desktop: &Desktop, home: &Home, sway: &Sway) -> Daemon {
    home.write_config(&fast_config("1h", "1h"));
    let (wayland, ipc) = (sway.socket(), sway.ipc());
    let env = [("WAYLAND_DISPLAY", wayland.to_str().unwrap()), ("SWAYSOCK", ipc.to_str().unwrap())];
    let daemon = Daemon::start_with(desktop, home, &env);
    let sources = status_json(desktop, home)["busy_sources"].as_str().unwrap_or_default().to_owned();
    assert!(sources.contains("sway IPC full screen"), "{sources}\n{}", daemon.log());
    daemon
}

#[test]
fn a_full_screen_window_on_sway_is_busy_until_it_leaves_full_screen_or_its_workspace_is_left() {
    let mut sway = Sway::start();
    sway.open_window(DEMO_WINDOW.0, DEMO_WINDOW.1);
    let (desktop, home) = (Desktop::start(), Home::new());
    let _daemon = start_on_sway(&desktop, &home, &sway);
    assert_eq!(state(&desktop, &home), "active");
    sway.msg(&["fullscreen", "enable"]);
    wait_state(&desktop, &home, "busy");
    // The focus goes to an empty workspace and back: sway says no more than that.
    sway.msg(&["workspace", "2"]);
    wait_state(&desktop, &home, "active");
    sway.msg(&["workspace", "1"]);
    wait_state(&desktop, &home, "busy");
    sway.msg(&["fullscreen", "disable"]);
    wait_state(&desktop, &home, "active");
}

#[test]
fn a_window_full_screen_on_sway_when_the_daemon_starts_is_busy_until_sway_exits() {
    let mut sway = Sway::start();
    sway.open_window(DEMO_WINDOW.0, DEMO_WINDOW.1);
    sway.msg(&["fullscreen", "enable"]);
    let (desktop, home) = (Desktop::start(), Home::new());
    let daemon = start_on_sway(&desktop, &home, &sway);
    wait_state(&desktop, &home, "busy");
    sway.stop();
    wait_state(&desktop, &home, "active");
    assert!(daemon.log().contains("full screen is no longer seen"), "{}", daemon.log());
}

const FULL: &str = r#"{"address": "0x5a1", "class": "mpv", "fullscreen": 2, "fullscreenClient": 2}"#;
const MAXIMIZED: &str = r#"{"address": "0x5a1", "class": "mpv", "fullscreen": 1, "fullscreenClient": 0}"#;
const FULL_BEFORE_0_42: &str = r#"{"address": "0x5a1", "fullscreen": true, "fullscreenMode": 0}"#;
const EDITOR: &str = r#"{"address": "0x7e2", "class": "kitty", "fullscreen": false, "fullscreenMode": 0}"#;

fn start_on_hyprland(desktop: &Desktop, home: &Home) -> Daemon {
    home.write_config(&fast_config("1h", "1h"));
    // No Wayland compositor there: only the idle source finds that out.
    let env = [("WAYLAND_DISPLAY", "wayland-none"), ("HYPRLAND_INSTANCE_SIGNATURE", SIGNATURE)];
    Daemon::start_with(desktop, home, &env)
}

#[test]
fn full_screen_on_hyprland_is_read_from_the_active_window_after_each_event() {
    let (desktop, home) = (Desktop::start(), Home::new());
    // In the daemon's runtime folder.
    let hypr = Hyprland::start(home.dir.path());
    hypr.set_active_window(FULL);
    let daemon = start_on_hyprland(&desktop, &home);
    let sources = status_json(&desktop, &home)["busy_sources"].as_str().unwrap_or_default().to_owned();
    assert!(sources.contains("Hyprland IPC full screen (socket2)"), "{sources}\n{}", daemon.log());
    wait_until("the daemon on the event socket", || (hypr.subscribers() == 1).then_some(()));
    wait_state(&desktop, &home, "busy");

    // Hyprland says `fullscreen>>1` for a maximized window too.
    hypr.set_active_window(MAXIMIZED);
    hypr.send("fullscreen>>1");
    wait_state(&desktop, &home, "active");
    hypr.set_active_window(FULL_BEFORE_0_42);
    hypr.send("fullscreen>>1");
    wait_state(&desktop, &home, "busy");
    // Another window gets the focus: no `fullscreen` event for that.
    hypr.set_active_window(EDITOR);
    hypr.send("activewindowv2>>7e2");
    hypr.send("activewindow>>kitty,vim");
    wait_state(&desktop, &home, "active");
    hypr.set_active_window(FULL);
    hypr.send("workspace>>3");
    wait_state(&desktop, &home, "busy");
    // Events that can't change it are not followed by a request.
    let asked = hypr.requests().len();
    hypr.send("openwindow>>5b3,3,kitty,~");
    hypr.send("activewindowv2>>5a1");
    hypr.send("fullscreen>>0");
    wait_until("the request after fullscreen>>0", || (hypr.requests().len() > asked).then_some(()));
    // Time for a request too many, and for the daemon to act on the answer.
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(hypr.requests()[asked..], ["j/activewindow"]);
    // Still full screen, as the active window says, whatever the event said.
    assert_eq!(state(&desktop, &home), "busy");

    // Hyprland exits.
    hypr.close_events();
    wait_state(&desktop, &home, "active");
    daemon.wait_log("Hyprland's event socket closed", WAIT);
}

#[test]
fn a_hyprland_that_is_not_there_is_said_and_the_daemon_carries_on() {
    let (desktop, home) = (Desktop::start(), Home::new());
    let daemon = start_on_hyprland(&desktop, &home);
    daemon.wait_log("can't follow full screen on Hyprland: no ", WAIT);
    let sources = status_json(&desktop, &home)["busy_sources"].as_str().unwrap_or_default().to_owned();
    let unseen = sources.split_once("not detected here: ").map(|(_, unseen)| unseen);
    assert!(unseen.is_some_and(|u| u.contains("full screen")), "{sources}");
    assert_eq!(state(&desktop, &home), "active");
}
