//! `cordon completions` and `cordon man`: shell completions and the manual
//! page, generated from the same definitions as `--help`.

use clap::CommandFactory;

use super::{Cli, CompletionsArgs};
use crate::error::{Error, Result};

/// `cordon completions SHELL`.
pub(super) fn completions(args: CompletionsArgs) -> Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "cordon", &mut buf);
    super::emit(&buf)
}

/// `cordon man`.
pub(super) fn man() -> Result<()> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot render the manual page: {e}")))?;
    super::emit(&buf)
}
