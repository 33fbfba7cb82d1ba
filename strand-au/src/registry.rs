//! Computations by name: strand-au's view of strand's one registry, for
//! backends and workers that must find a computation's function from the
//! name in its record.
//!
//! There is one registry, strand's link-time table
//! ([`strand::process::lookup`]): every `#[async_compute]` function enters
//! it with its runner, as every `#[as_task(process)]` function does with
//! its child entry, and one duplicate rule holds for both (an error when
//! that name is looked up or launched, naming both definitions; never a
//! panic, never an error for another name). [`register`] adds a runner at
//! run time, as an overlay under the same rule: it is refused for a name
//! the table already holds, and a child process (which only has the table)
//! cannot run it.

use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, RwLock};

use crate::job::RunnerFn;

struct Entry {
    origin: &'static str,
    runner: RunnerFn,
}

/// Runners registered at run time (see [`register`]).
static OVERLAY: LazyLock<RwLock<HashMap<&'static str, Entry>>> = LazyLock::new(Default::default);

/// What the link-time table holds under `name`: its origin, and its runner
/// if it is a computation.
#[cfg(unix)]
fn linked(name: &str) -> Result<Option<(&'static str, Option<RunnerFn>)>, RegistryError> {
    match strand::process::lookup(name) {
        Ok(Some(entry)) => Ok(Some((entry.origin(), entry.local::<RunnerFn>().copied()))),
        Ok(None) => Ok(None),
        Err(dup) => Err(RegistryError::from(dup)),
    }
}

#[cfg(not(unix))]
fn linked(_: &str) -> Result<Option<(&'static str, Option<RunnerFn>)>, RegistryError> {
    Ok(None)
}

/// Registers `runner` under `name` at run time; `origin` says where it was
/// defined (`module_path!()` and function name) for error messages.
///
/// Every `#[async_compute]` function is registered already, at link time;
/// this is for runners built by hand (see [`Runner`](crate::Runner)). Such a
/// runner is known to this process only: a child process started by a
/// process backend cannot run it.
///
/// A worker only ever runs functions its own binary registered: nothing in a
/// store can make it load other code.
///
/// # Errors
///
/// [`RegistryError`] naming both definitions if `name` is taken, at link
/// time or by an earlier `register`.
///
/// # Examples
///
/// ```
/// use strand_au::{ComputationFailure, lookup, register};
///
/// fn double(args: serde_json::Value) -> Result<serde_json::Value, ComputationFailure> {
///     Ok(serde_json::json!(args.as_u64().unwrap_or(0) * 2))
/// }
///
/// register("doc::double", "doc::double", double).unwrap();
/// let f = lookup("doc::double").unwrap().unwrap();
/// assert_eq!(f(serde_json::json!(21)).unwrap(), serde_json::json!(42));
///
/// let err = register("doc::double", "other::double", double).unwrap_err();
/// assert_eq!(err.to_string(), "the name `doc::double` is registered twice: by `doc::double` and by `other::double`; give one of them another `name = \"...\"`");
/// ```
pub fn register(
    name: &'static str,
    origin: &'static str,
    runner: RunnerFn,
) -> Result<(), RegistryError> {
    if let Some((first, _)) = linked(name)? {
        return Err(RegistryError::new(name, first, origin));
    }
    let mut overlay = OVERLAY.write().unwrap_or_else(|p| p.into_inner());
    if let Some(existing) = overlay.get(name) {
        return Err(RegistryError::new(name, existing.origin, origin));
    }
    overlay.insert(name, Entry { origin, runner });
    Ok(())
}

/// The runner of the computation registered as `name`: an
/// `#[async_compute]` function (under its `name`), or a runner given to
/// [`register`]. `Ok(None)` when no computation has that name (a name that
/// only an `#[as_task(process)]` function holds is no computation).
///
/// # Errors
///
/// [`RegistryError`] when two functions are registered as `name`; every
/// other name still works.
///
/// # Examples
///
/// ```
/// assert!(strand_au::lookup("no such function").unwrap().is_none());
/// ```
pub fn lookup(name: &str) -> Result<Option<RunnerFn>, RegistryError> {
    if let Some((_, runner)) = linked(name)? {
        return Ok(runner);
    }
    Ok(OVERLAY
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(name)
        .map(|e| e.runner))
}

/// Every registered computation name, sorted (a name registered twice
/// appears once: [`lookup`] reports it).
///
/// # Examples
///
/// ```
/// let names = strand_au::registered_names();
/// assert!(names.windows(2).all(|w| w[0] <= w[1]));
/// ```
pub fn registered_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = OVERLAY
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .keys()
        .copied()
        .collect();
    #[cfg(unix)]
    names.extend(
        strand::process::PROCESS_FUNCTIONS
            .iter()
            .filter(|entry| entry.local::<RunnerFn>().is_some())
            .map(|entry| entry.name()),
    );
    names.sort_unstable();
    names.dedup();
    names
}

/// Two functions were registered under one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    name: &'static str,
    first: &'static str,
    second: &'static str,
}

impl RegistryError {
    fn new(name: &'static str, first: &'static str, second: &'static str) -> Self {
        RegistryError {
            name,
            first,
            second,
        }
    }

    /// The contested name.
    pub fn name(&self) -> &str {
        self.name
    }

    /// Where the two functions were defined.
    pub fn origins(&self) -> (&str, &str) {
        (self.first, self.second)
    }
}

#[cfg(unix)]
impl From<strand::process::DuplicateName> for RegistryError {
    fn from(dup: strand::process::DuplicateName) -> Self {
        let (first, second) = dup.origins();
        RegistryError::new(dup.name(), first, second)
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the name `{}` is registered twice: by `{}` and by `{}`; give one of them another `name = \"...\"`",
            self.name, self.first, self.second
        )
    }
}

impl std::error::Error for RegistryError {}
