//! The registry of computation functions by name, for backends that run a
//! job in another process and must find its function there.

use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, RwLock};

use crate::job::RunnerFn;

struct Entry {
    origin: &'static str,
    runner: RunnerFn,
}

static REGISTRY: LazyLock<RwLock<HashMap<&'static str, Entry>>> = LazyLock::new(Default::default);

/// Registers `runner` under `name`; `origin` says where it was defined
/// (`module_path!()` and function name) for error messages.
///
/// A worker only ever runs functions its own binary registered: nothing in a
/// store can make it load other code.
///
/// # Errors
///
/// [`RegistryError`] naming both definitions if `name` is taken.
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
/// let f = lookup("doc::double").unwrap();
/// assert_eq!(f(serde_json::json!(21)).unwrap(), serde_json::json!(42));
///
/// let err = register("doc::double", "other::double", double).unwrap_err();
/// assert_eq!(err.to_string(), "computation name `doc::double` is registered twice: by `doc::double` and by `other::double`; give one of them another `name`");
/// ```
pub fn register(
    name: &'static str,
    origin: &'static str,
    runner: RunnerFn,
) -> Result<(), RegistryError> {
    let mut registry = REGISTRY.write().unwrap_or_else(|p| p.into_inner());
    if let Some(existing) = registry.get(name) {
        return Err(RegistryError {
            name,
            first: existing.origin,
            second: origin,
        });
    }
    registry.insert(name, Entry { origin, runner });
    Ok(())
}

/// The runner registered under `name`. Every `#[async_compute]` function
/// of the program is registered (under its `name`) by the first call of
/// `lookup` or [`registered_names`], or of any decorated function.
///
/// # Panics
///
/// When two `#[async_compute]` functions share a name (the message names
/// both; give one of them another `name = "..."`).
///
/// # Examples
///
/// ```
/// assert!(strand_au::lookup("no such function").is_none());
/// ```
pub fn lookup(name: &str) -> Option<RunnerFn> {
    crate::macro_support::install_linked();
    REGISTRY
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(name)
        .map(|e| e.runner)
}

/// Every registered name, sorted.
///
/// # Examples
///
/// ```
/// let names = strand_au::registered_names();
/// assert!(names.windows(2).all(|w| w[0] <= w[1]));
/// ```
pub fn registered_names() -> Vec<&'static str> {
    crate::macro_support::install_linked();
    let mut names: Vec<_> = REGISTRY
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .keys()
        .copied()
        .collect();
    names.sort_unstable();
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
    /// The contested name.
    pub fn name(&self) -> &str {
        self.name
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "computation name `{}` is registered twice: by `{}` and by `{}`; give one of them another `name`",
            self.name, self.first, self.second
        )
    }
}

impl std::error::Error for RegistryError {}
