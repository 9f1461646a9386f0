//! `contlab rootfs build`: the small root filesystem lesson containers run in.
use std::path::{Path, PathBuf};

pub fn build_cli(_from: Option<&str>, _out: Option<&Path>) -> anyhow::Result<PathBuf> {
    anyhow::bail!("the rootfs builder is not in this build")
}
