//! A registered function run as a process of its own: what
//! [`function_command`] starts and [`RunProcess::function`](crate::RunProcess::function)
//! supervises.
//!
//! The name travels in the environment ([`RUN_ENV`]); the encoded arguments
//! do not (an environment string is limited in size, 128 KiB on Linux, and
//! readable in `/proc/<pid>/environ`). They are written into an anonymous
//! file (`memfd_create` on Linux, an unlinked temporary file elsewhere)
//! that the child inherits; only its descriptor number is in the
//! environment ([`RUN_FD_ENV`]).

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Write as _};
use std::os::fd::{AsRawFd as _, FromRawFd as _, RawFd};
use std::os::unix::fs::FileExt as _;
use std::os::unix::process::CommandExt as _;

use serde::Serialize;

use super::child::serve;
use super::error::{ProcessError, ProcessErrorKind};
use super::frame::Reply;
use super::registry;
use super::serialization::Serialization;

/// Set by [`function_command`]: run this registered function once, with
/// the JSON arguments read from the descriptor in [`RUN_FD_ENV`], then exit.
const RUN_ENV: &str = "STRAND_PROCESS_RUN";
/// The number of the inherited descriptor that holds the JSON arguments of
/// [`RUN_ENV`]'s function.
const RUN_FD_ENV: &str = "STRAND_PROCESS_RUN_FD";
/// The largest encoded arguments [`function_command`] passes: 256 MiB.
const MAX_ARGS_LEN: u64 = 256 << 20;

/// Called by the start-up hook before `main`: when this process was started
/// by [`function_command`], runs the function and returns the exit code
/// (2, after a message on standard error, when the arguments cannot be
/// read).
pub(super) fn divert() -> Option<i32> {
    let name = std::env::var_os(RUN_ENV)?;
    let fd = std::env::var_os(RUN_FD_ENV);
    // SAFETY: no other thread exists yet: this runs before `main`.
    unsafe {
        std::env::remove_var(RUN_ENV);
        std::env::remove_var(RUN_FD_ENV);
    }
    let name = name.to_string_lossy().into_owned();
    super::child::act_as_a_normal_program();
    match read_args(fd.as_deref()) {
        Ok(args) => Some(on_main_thread(move || run_once(&name, &args))),
        Err(message) => {
            eprintln!("strand: cannot run `{name}`: {message}");
            Some(2)
        }
    }
}

/// Runs `f` on a thread named `main` (what the function would have in a
/// normal program), with the main thread's usual 8 MiB stack, and returns
/// its exit code; 2 if the thread cannot be started.
fn on_main_thread(f: impl FnOnce() -> i32 + Send + 'static) -> i32 {
    std::thread::Builder::new()
        .name("main".into())
        .stack_size(super::child::BODY_STACK)
        .spawn(f)
        .map_or(2, |thread| thread.join().unwrap_or(101))
}

/// Reads the arguments from the descriptor named by `fd` (the value of
/// [`RUN_FD_ENV`]) and closes it.
fn read_args(fd: Option<&OsStr>) -> Result<Vec<u8>, String> {
    let fd = fd.ok_or_else(|| {
        format!(
            "its arguments are missing: `{RUN_ENV}` is set but `{RUN_FD_ENV}` is not \
             (start it with `strand::process::function_command`)"
        )
    })?;
    let fd: RawFd = fd
        .to_str()
        .and_then(|text| text.parse().ok())
        .filter(|&fd| fd > 2)
        .ok_or_else(|| {
            format!(
                "`{RUN_FD_ENV}={}` is not a file descriptor number above 2",
                fd.to_string_lossy()
            )
        })?;
    // SAFETY: F_GETFD reads a flag of the descriptor table; any number is
    // allowed, a closed one is reported as EBADF.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
        return Err(format!(
            "the file descriptor of its arguments ({fd}) is not open: {}",
            io::Error::last_os_error()
        ));
    }
    // SAFETY: the descriptor is open (checked above), and the parent passed
    // it for this one purpose: nothing else in this process uses it, as
    // this runs before `main`. The `File` closes it when dropped.
    let file = unsafe { File::from_raw_fd(fd) };
    let cannot_read =
        |e: io::Error| format!("cannot read its arguments from file descriptor {fd}: {e}");
    let metadata = file.metadata().map_err(cannot_read)?;
    if !metadata.is_file() {
        return Err(format!(
            "the file descriptor of its arguments ({fd}) is not a regular file"
        ));
    }
    let len = metadata.len();
    if len > MAX_ARGS_LEN {
        return Err(format!(
            "its arguments are {len} bytes, over the limit of {MAX_ARGS_LEN} bytes"
        ));
    }
    let mut args = vec![0; usize::try_from(len).map_err(|e| e.to_string())?];
    // Read at offset 0: the offset is shared with the parent's descriptor.
    file.read_exact_at(&mut args, 0).map_err(cannot_read)?;
    Ok(args)
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
/// The name is passed in the child's environment, the JSON-encoded
/// arguments in an anonymous file that only the child inherits (so they
/// may be large, up to 256 MiB, and do not show in
/// `/proc/<pid>/environ`). The command can be spawned more than once.
/// Keep the variables whose names start with `STRAND_PROCESS_RUN` (do not
/// `env_clear` it), and do not close the inherited descriptors in a
/// `pre_exec` hook of your own.
///
/// # Errors
///
/// When the arguments do not encode as JSON or are too large, the file
/// that passes them cannot be created, the executable cannot be found, or
/// `name` is registered twice.
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
) -> Result<std::process::Command, ProcessError> {
    registry::lookup(name).map_err(ProcessError::duplicate)?;
    let args = serde_json::to_vec(args).map_err(|e| {
        ProcessError::new(
            ProcessErrorKind::Arguments,
            format!("the arguments of `{name}` did not encode: {e}"),
        )
    })?;
    if args.len() as u64 > MAX_ARGS_LEN {
        return Err(ProcessError::new(
            ProcessErrorKind::Arguments,
            format!(
                "the arguments of `{name}` are {} bytes encoded, over the limit of {MAX_ARGS_LEN} bytes",
                args.len()
            ),
        ));
    }
    let exe = std::env::current_exe().map_err(|e| {
        ProcessError::io(
            ProcessErrorKind::Spawn,
            "cannot find this program's executable",
            e,
        )
    })?;
    let file = args_file(&args).map_err(|e| {
        ProcessError::io(
            ProcessErrorKind::Spawn,
            format!("cannot create the file that passes the arguments of `{name}`"),
            e,
        )
    })?;
    let fd = file.as_raw_fd();
    let mut command = std::process::Command::new(exe);
    command.env(RUN_ENV, name).env(RUN_FD_ENV, fd.to_string());
    // SAFETY: the hook runs in the child between fork and exec, where only
    // async-signal-safe calls are allowed: it makes two fcntl calls and
    // builds an `io::Error` from errno, which does not allocate. It owns
    // `file`, so the descriptor stays open for every spawn of the command;
    // fork gave the child its own descriptor table, so clearing the flag
    // there leaves the parent's descriptor close-on-exec.
    unsafe {
        command.pre_exec(move || inherit(&file));
    }
    Ok(command)
}

/// An anonymous, close-on-exec file holding `contents`, with a descriptor
/// number above the standard streams (which `Command` may replace in the
/// child).
fn args_file(contents: &[u8]) -> io::Result<File> {
    let mut file = anonymous_file()?;
    file.write_all(contents)?;
    seal(&file);
    if file.as_raw_fd() <= 2 {
        // `try_clone` duplicates to the lowest free number from 3 up, and
        // close-on-exec.
        file = file.try_clone()?;
    }
    Ok(file)
}

/// A memory file on Linux; a temporary file, already unlinked, elsewhere or
/// where `memfd_create` is refused.
fn anonymous_file() -> io::Result<File> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // SAFETY: the name is a NUL-terminated string; the flags are valid.
        let fd = unsafe {
            libc::memfd_create(
                c"strand-args".as_ptr(),
                libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
            )
        };
        if fd >= 0 {
            // SAFETY: memfd_create returned a new descriptor that nothing
            // else owns.
            return Ok(unsafe { File::from_raw_fd(fd) });
        }
    }
    // Opened close-on-exec, as every file std opens.
    tempfile::tempfile()
}

/// Makes a memory file read-only for good (best effort: other files, and
/// kernels without seals, are left as they are), so that no child can
/// change the arguments of the next spawn.
fn seal(_file: &File) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: F_ADD_SEALS takes an int flag set; a descriptor that does not
    // support seals reports EINVAL, which is ignored.
    unsafe {
        libc::fcntl(
            _file.as_raw_fd(),
            libc::F_ADD_SEALS,
            libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL,
        );
    }
}

/// Clears close-on-exec on `file` (in the child, between fork and exec):
/// async-signal-safe.
fn inherit(file: &File) -> io::Result<()> {
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor the closure owns; no memory is passed.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    // SAFETY: as above.
    if flags == -1 || unsafe { libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
