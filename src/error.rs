//! The errors a command can end with, and their exit codes.

/// How a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid input: a scenario, an argument, an existing output folder.
    #[error("{0}")]
    Invalid(String),
    /// Stopped by a signal. Without `--resume` nothing was kept; with it,
    /// the partial folder (named here) holds the last checkpoint.
    #[error("interrupted: {}", interrupted_message(.0.as_deref()))]
    Interrupted(Option<String>),
    /// A file could not be read or written for a reason other than its
    /// content.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// Drawing a chart failed (a font, a backend or an encoder error).
    #[error("cannot draw a chart: {0}")]
    Draw(String),
    /// Anything else (I/O, resources). Shown with its causes, so that an
    /// I/O error names both the path and what the system said.
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

fn interrupted_message(kept: Option<&str>) -> String {
    match kept {
        Some(dir) => format!(
            "the run stopped at its last checkpoint, kept in {dir}; run the same command again to continue"
        ),
        None => {
            "the run was stopped and its temporary folder removed; earlier results are untouched"
                .into()
        }
    }
}

impl Error {
    /// Whether the input was at fault (exit code 2), rather than drawing,
    /// the file system or an interruption.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::Invalid(_))
    }

    /// 2 for invalid input, 130 for an interrupted run, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_) => 2,
            Error::Interrupted(_) => 130,
            Error::Io { .. } | Error::Draw(_) | Error::Other(_) => 1,
        }
    }
}

/// Shorthand for results of commands.
pub type Result<T> = std::result::Result<T, Error>;
