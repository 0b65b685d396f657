//! The errors a command can end with, and their exit codes.

/// How a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid input: a scenario, an argument, an existing output folder.
    #[error("{0}")]
    Invalid(String),
    /// Stopped by a signal; nothing was written.
    #[error(
        "interrupted: the run was stopped and its temporary folder removed; earlier results are untouched"
    )]
    Interrupted,
    /// Anything else (I/O, resources).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Error {
    /// 2 for invalid input, 130 for an interrupted run, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_) => 2,
            Error::Interrupted => 130,
            Error::Other(_) => 1,
        }
    }
}

impl From<crate::scenario::LoadError> for Error {
    fn from(e: crate::scenario::LoadError) -> Self {
        Error::Invalid(e.to_string())
    }
}

/// Shorthand for results of commands.
pub type Result<T> = std::result::Result<T, Error>;
