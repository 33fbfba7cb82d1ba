//! A registered function run as a process of its own: what
//! [`function_command`] starts and [`RunProcess::function`](crate::RunProcess::function)
//! supervises.

use serde::Serialize;

use super::Serialization;
use super::child::serve;
use super::frame::Reply;
use super::registry;

/// Set by [`function_command`]: run this registered function once, with
/// the JSON arguments in [`RUN_ARGS_ENV`], then exit.
const RUN_ENV: &str = "STRAND_PROCESS_RUN";
/// The JSON arguments of [`RUN_ENV`]'s function.
const RUN_ARGS_ENV: &str = "STRAND_PROCESS_RUN_ARGS";

/// Called by the start-up hook before `main`: when this process was started
/// by [`function_command`], runs the function and returns the exit code.
pub(super) fn divert() -> Option<i32> {
    let name = std::env::var_os(RUN_ENV)?;
    let args = std::env::var_os(RUN_ARGS_ENV).unwrap_or_default();
    // SAFETY: no other thread exists yet: this runs before `main`.
    unsafe {
        std::env::remove_var(RUN_ENV);
        std::env::remove_var(RUN_ARGS_ENV);
    }
    Some(run_once(
        &name.to_string_lossy(),
        args.to_string_lossy().as_bytes(),
    ))
}

/// Runs one registered function as this whole process (what
/// [`function_command`] starts); its value is dropped. Exit code 0 when it
/// returned, 101 when it panicked, 2 when it could not run.
fn run_once(name: &str, args: &[u8]) -> i32 {
    match serve(name, args, Serialization::Json) {
        Reply::Value(_) => 0,
        Reply::Panic(_) => 101,
        Reply::Error(_, message) => {
            eprintln!("strand: cannot run `{name}`: {message}");
            2
        }
    }
}

/// A [`Command`](std::process::Command) that runs the registered function
/// `name` with `args` as a process of its own (a copy of this binary, which
/// runs the function instead of `main` and exits when it returns: 0 when
/// it returned, 101 when it panicked, 2 when it could not run). For
/// long-lived helpers such as servers; start it with
/// [`RunProcess::function`](crate::RunProcess::function) to get readiness
/// checks and clean shutdown.
///
/// # Errors
///
/// When the arguments do not encode as JSON, the executable cannot be
/// found, or the registry holds a name twice.
///
/// # Examples
///
/// ```
/// let mut cmd = strand::process::function_command("app::unknown", &()).unwrap();
/// let status = cmd.stderr(std::process::Stdio::null()).status().unwrap();
/// assert_eq!(status.code(), Some(2)); // not registered
/// ```
pub fn function_command(
    name: &str,
    args: &impl Serialize,
) -> Result<std::process::Command, super::ProcessError> {
    use super::{ProcessError, ProcessErrorKind};
    registry::check_registry().map_err(ProcessError::duplicate)?;
    let args = serde_json::to_string(args).map_err(|e| {
        ProcessError::new(
            ProcessErrorKind::Arguments,
            format!("the arguments of `{name}` did not encode: {e}"),
        )
    })?;
    let exe = std::env::current_exe().map_err(|e| {
        ProcessError::io(
            ProcessErrorKind::Spawn,
            "cannot find this program's executable",
            e,
        )
    })?;
    let mut command = std::process::Command::new(exe);
    command.env(RUN_ENV, name).env(RUN_ARGS_ENV, args);
    Ok(command)
}
