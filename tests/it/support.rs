//! What every integration test needs: the binary, and an isolated home for it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_postured"))
}

/// A private home: XDG dirs in a temp dir, so no test sees the machine's own config or state.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Self {
        let home = Home { dir: tempfile::tempdir().expect("temp dir") };
        std::fs::create_dir_all(home.config_dir()).unwrap();
        home
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config/postured")
    }

    pub fn write_config(&self, text: &str) -> PathBuf {
        let p = self.config_dir().join("config.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Puts an executable script into a `bin` folder that comes first on the PATH of every
    /// command from this home: a stand-in for a program such as `xdg-open`.
    pub fn fake_program(&self, name: &str, script: &str) {
        use std::os::unix::fs::PermissionsExt;
        let dir = self.dir.path().join("bin");
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, script).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(bin());
        let d = self.dir.path();
        let mut path = std::ffi::OsString::from(d.join("bin"));
        path.push(":");
        path.push(std::env::var_os("PATH").unwrap_or_default());
        c.env_clear()
            .env("HOME", d)
            .env("XDG_CONFIG_HOME", d.join("config"))
            .env("XDG_STATE_HOME", d.join("state"))
            .env("XDG_DATA_HOME", d.join("data"))
            .env("XDG_RUNTIME_DIR", d)
            .env("PATH", path)
            .env("TZ", "Europe/Berlin");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run postured")
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[allow(dead_code)]
pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A private dbus-daemon's config: listens on `socket` only, lets anyone own and see anything
/// (tests eavesdrop), and starts no services unless given a `servicedir` of the test's own.
pub fn bus_config(bus_type: &str, socket: &str, servicedir: Option<&str>) -> String {
    let services = servicedir.map(|d| format!("  <servicedir>{d}</servicedir>\n")).unwrap_or_default();
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>{bus_type}</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
{services}  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#
    )
}
