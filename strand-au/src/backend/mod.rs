//! [`ComputationBackend`]: where computations run.

use std::fmt;

use crate::job::Job;

pub(crate) mod inline;
pub(crate) mod pool;
#[cfg(unix)]
pub(crate) mod process;
#[cfg(unix)]
pub(crate) mod process_pool;
pub(crate) mod thread;

/// Runs [`Job`]s somewhere: a thread, a pool, (later) another process or machine.
///
/// Object-safe; held as `Arc<dyn ComputationBackend>`. `launch` should return
/// quickly (or block only for backpressure) and must arrange for
/// [`Job::run`] to be called once, here or in another process that
/// rebuilds the job from its function name and arguments.
///
/// # Examples
///
/// A backend that runs every job on a fresh named thread:
///
/// ```
/// use std::sync::Arc;
/// use strand_au::{Computation, ComputationBackend, Job, LaunchError, MemoryStore, Runner};
///
/// #[derive(Debug)]
/// struct Named;
///
/// impl ComputationBackend for Named {
///     fn launch(&self, job: Job) -> Result<(), LaunchError> {
///         std::thread::Builder::new()
///             .name(format!("job-{}", job.key()))
///             .spawn(move || job.run())
///             .map(drop)
///             .map_err(LaunchError::from)
///     }
/// }
///
/// let c = Computation::new("id", Runner::new(|x: u8| x))
///     .store(Arc::new(MemoryStore::new()))
///     .backend(Arc::new(Named));
/// assert_eq!(c.launch::<u8>(&5).join().unwrap(), 5);
/// ```
pub trait ComputationBackend: Send + Sync + fmt::Debug {
    /// Starts `job` (or queues it).
    ///
    /// # Errors
    ///
    /// When the job cannot be started; the launcher then fails its record
    /// with [`ErrorKind::Store`](crate::ErrorKind::Store) and this message.
    fn launch(&self, job: Job) -> Result<(), LaunchError>;
}

/// A backend could not start a job.
#[derive(Debug)]
pub struct LaunchError {
    message: String,
}

impl LaunchError {
    /// An error saying `message`.
    pub fn new(message: impl Into<String>) -> LaunchError {
        LaunchError {
            message: message.into(),
        }
    }
}

impl From<std::io::Error> for LaunchError {
    fn from(e: std::io::Error) -> LaunchError {
        LaunchError::new(format!("cannot start computation: {e}"))
    }
}

impl fmt::Display for LaunchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LaunchError {}
