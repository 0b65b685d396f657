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
    /// 2 for invalid input, 130 for an interrupted run, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_) => 2,
            Error::Interrupted(_) => 130,
            Error::Other(_) => 1,
        }
    }
}

impl From<crate::scenario::LoadError> for Error {
    fn from(e: crate::scenario::LoadError) -> Self {
        Error::Invalid(e.to_string())
    }
}

/// A stopped engine is an interrupted command (nothing kept to resume);
/// any other engine failure is an error of its own.
impl From<crate::engine::EngineError> for Error {
    fn from(e: crate::engine::EngineError) -> Self {
        match e {
            crate::engine::EngineError::Interrupted => Error::Interrupted(None),
            e => Error::Other(e.into()),
        }
    }
}

/// Shorthand for results of commands.
pub type Result<T> = std::result::Result<T, Error>;
