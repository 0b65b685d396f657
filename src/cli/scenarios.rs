//! `cordon scenarios` and `cordon new`: the built-in scenarios, listed,
//! printed or copied into a commented starter file.

use std::io::Write as _;

use super::{NewArgs, ScenariosAction, ScenariosArgs};
use crate::error::{Error, Result};
use crate::scenario::builtin::{self, ScenarioSource};

/// `cordon scenarios [show NAME]`.
pub(super) fn scenarios(args: ScenariosArgs) -> Result<()> {
    match args.action {
        None => {
            let width = builtin::all().map(|b| b.name.len()).max().unwrap_or(0);
            let mut out = String::from(
                "Built-in scenarios (run one with `cordon run NAME`, copy one with `cordon new FILE --from NAME`):\n",
            );
            for b in builtin::all() {
                let default = if b.name == builtin::DEFAULT {
                    " [default]"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "  {:<width$}  {}{default}\n",
                    b.name,
                    builtin::description(b)
                ));
            }
            super::emit(out.as_bytes())
        }
        Some(ScenariosAction::Show { name }) => super::emit(named(&name)?.text.as_bytes()),
    }
}

/// `cordon new FILE [--from NAME]`.
pub(super) fn new(args: NewArgs) -> Result<()> {
    let b = named(&args.from)?;
    // create_new: never overwrite, even if the file appears meanwhile.
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&args.file)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Invalid(format!(
                "{} already exists; cordon new never overwrites a file (choose another name)",
                args.file.display()
            )));
        }
        Err(e) => {
            return Err(Error::Other(anyhow::anyhow!(
                "cannot create {}: {e}",
                args.file.display()
            )));
        }
    };
    file.write_all(b.text.as_bytes())
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot write {}: {e}", args.file.display())))?;
    eprintln!(
        "wrote {} (from the built-in `{}`); next: cordon check {0}",
        args.file.display(),
        b.name
    );
    Ok(())
}

fn named(name: &str) -> Result<builtin::Builtin> {
    match builtin::resolve(Some(std::path::Path::new(name))) {
        Ok(ScenarioSource::Builtin(b)) => Ok(b),
        Ok(ScenarioSource::File(_)) => builtin::find(name).ok_or_else(|| {
            Error::Invalid(format!(
                "`{name}` is a file, not a built-in scenario; see `cordon scenarios`"
            ))
        }),
        Err(e) => Err(e),
    }
}
