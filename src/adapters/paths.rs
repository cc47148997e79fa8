//! Where postured's files live, following the XDG base directory spec.

use directories::ProjectDirs;
use std::path::PathBuf;

fn dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "postured")
}

/// `$XDG_CONFIG_HOME/postured` (default `~/.config/postured`).
pub fn config_dir() -> Option<PathBuf> {
    dirs().map(|d| d.config_dir().to_owned())
}

/// `$XDG_STATE_HOME/postured` (default `~/.local/state/postured`).
pub fn state_dir() -> Option<PathBuf> {
    dirs().and_then(|d| d.state_dir().map(ToOwned::to_owned))
}
