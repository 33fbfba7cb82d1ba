//! The one registry of functions that run by name, filled at link time.
//!
//! Every function that can run outside the caller's address space enters
//! it: `#[as_task(process)]` and `#[async_compute]` functions each add one
//! [`ProcessEntry`] to a [`linkme`] distributed slice. The slice is
//! assembled by the linker, so it is complete before any code runs: the
//! start-up hook that turns a child into a worker can read it before
//! `main`, with no constructor-ordering race.
//!
//! One entry type serves every way of running a function by name: `run`
//! takes the encoded arguments (JSON or MessagePack) and answers with an
//! encoded [`Reply`], in a child process or in this one; an entry may also
//! carry a typed function for in-process runs (see
//! [`ProcessEntry::with_local`]), which strand-au's `lookup` uses.
//!
//! One duplicate rule: two entries under one name make *that name* an
//! error, naming both definitions, wherever it is looked up or launched
//! (`lookup`, a call, a child asked to run it); every other name works.
//! [`check_registry`] lists every duplicate, for a check at start-up.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use super::frame::Reply;
use super::serialization::Serialization;

/// The input of a registered function in the child: its encoded arguments
/// and how they are encoded.
#[derive(Debug, Clone, Copy)]
pub struct ChildInput<'a> {
    /// The arguments, encoded by the parent.
    pub payload: &'a [u8],
    /// Their encoding, which the reply uses too.
    pub format: Serialization,
}

/// One function that runs by name (in a child process, or here), as the
/// macros register it.
#[derive(Debug)]
pub struct ProcessEntry {
    name: &'static str,
    origin: &'static str,
    run: fn(ChildInput<'_>) -> Reply,
    local: Option<&'static (dyn Any + Send + Sync)>,
}

impl ProcessEntry {
    /// An entry for `run`, registered as `name`; `origin` says where it was
    /// defined, for the duplicate-name error.
    pub const fn new(
        name: &'static str,
        origin: &'static str,
        run: fn(ChildInput<'_>) -> Reply,
    ) -> Self {
        ProcessEntry {
            name,
            origin,
            run,
            local: None,
        }
    }

    /// Like [`new`](Self::new), with a typed form of the function for runs
    /// in this process (strand-au keeps its computation runner here), found
    /// again with [`local`](Self::local).
    pub const fn with_local(
        name: &'static str,
        origin: &'static str,
        run: fn(ChildInput<'_>) -> Reply,
        local: &'static (dyn Any + Send + Sync),
    ) -> Self {
        ProcessEntry {
            name,
            origin,
            run,
            local: Some(local),
        }
    }

    /// The registered name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Where the function was defined.
    pub fn origin(&self) -> &'static str {
        self.origin
    }

    /// The typed form given to [`with_local`](Self::with_local), if it is a `T`.
    pub fn local<T: Any>(&self) -> Option<&'static T> {
        self.local.and_then(|local| local.downcast_ref())
    }

    /// Runs the function on encoded arguments, here, and returns its
    /// encoded reply: what a child does when asked to run this name. A
    /// panic in the function is caught and comes back as
    /// [`Reply::Panic`].
    pub fn call(&self, input: ChildInput<'_>) -> Reply {
        (self.run)(input)
    }
}

/// Every registered function of this binary (the macros add to it).
#[linkme::distributed_slice]
pub static PROCESS_FUNCTIONS: [ProcessEntry];

/// Two functions were registered under one name.
///
/// # Examples
///
/// ```
/// // A binary without duplicates passes the check.
/// strand::process::check_registry().unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateName {
    name: &'static str,
    first: &'static str,
    second: &'static str,
}

impl DuplicateName {
    /// The contested name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Where the two functions were defined.
    pub fn origins(&self) -> (&'static str, &'static str) {
        (self.first, self.second)
    }
}

impl fmt::Display for DuplicateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the name `{}` is registered twice: by `{}` and by `{}`; give one of them another `name = \"...\"`",
            self.name, self.first, self.second
        )
    }
}

impl std::error::Error for DuplicateName {}

/// Every name: its one entry, or the duplicate that makes it unusable.
type Index = HashMap<&'static str, Result<&'static ProcessEntry, DuplicateName>>;

fn build(entries: &'static [ProcessEntry]) -> Index {
    let mut index: Index = HashMap::with_capacity(entries.len());
    for entry in entries {
        let slot = index.entry(entry.name).or_insert(Ok(entry));
        let first = match slot {
            Ok(first) if std::ptr::eq(*first, entry) => continue,
            Ok(first) => first.origin,
            // A third definition: the error already names two of them.
            Err(_) => continue,
        };
        // Report the pair in a stable order, whatever the link order.
        let (first, second) = if first <= entry.origin {
            (first, entry.origin)
        } else {
            (entry.origin, first)
        };
        *slot = Err(DuplicateName {
            name: entry.name,
            first,
            second,
        });
    }
    index
}

static INDEX: LazyLock<Index> = LazyLock::new(|| build(&PROCESS_FUNCTIONS));

/// Every name that is registered more than once, as returned by
/// [`check_registry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicates(Vec<DuplicateName>);

impl Duplicates {
    /// Each duplicate, sorted by name.
    pub fn iter(&self) -> std::slice::Iter<'_, DuplicateName> {
        self.0.iter()
    }
}

impl fmt::Display for Duplicates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, dup) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            fmt::Display::fmt(dup, f)?;
        }
        Ok(())
    }
}

impl std::error::Error for Duplicates {}

/// Checks that no two registered functions share a name, and lists every
/// name that two share.
///
/// A duplicate only ever affects its own name: looking it up, calling it or
/// launching it is an error that names both definitions, and every other
/// name works. Call this at the top of `main` to fail at start-up instead.
///
/// # Errors
///
/// [`Duplicates`], naming both definitions of each contested name.
///
/// # Examples
///
/// ```
/// if let Err(duplicates) = strand::process::check_registry() {
///     eprintln!("{duplicates}");
///     std::process::exit(2);
/// }
/// ```
pub fn check_registry() -> Result<(), Duplicates> {
    let mut duplicates: Vec<DuplicateName> = INDEX
        .values()
        .filter_map(|slot| slot.as_ref().err().cloned())
        .collect();
    if duplicates.is_empty() {
        return Ok(());
    }
    duplicates.sort_by_key(|dup| dup.name);
    Err(Duplicates(duplicates))
}

/// The entry registered as `name`: `Ok(None)` when there is none.
///
/// # Errors
///
/// [`DuplicateName`] when two functions are registered as `name`.
///
/// # Examples
///
/// ```
/// assert!(strand::process::lookup("app::nothing_here").unwrap().is_none());
/// ```
pub fn lookup(name: &str) -> Result<Option<&'static ProcessEntry>, DuplicateName> {
    INDEX.get(name).cloned().transpose()
}

/// Every registered name, sorted (a duplicated name once).
///
/// # Examples
///
/// ```
/// let names = strand::process::registered_names();
/// assert!(names.windows(2).all(|w| w[0] <= w[1]));
/// ```
pub fn registered_names() -> Vec<&'static str> {
    let mut names: Vec<_> = INDEX.keys().copied().collect();
    names.sort_unstable();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing(_: ChildInput<'_>) -> Reply {
        Reply::Value(Vec::new())
    }

    #[test]
    fn a_duplicate_names_both_definitions_in_a_stable_order() {
        static ENTRIES: [ProcessEntry; 3] = [
            ProcessEntry::new("a", "crate::z::a", nothing),
            ProcessEntry::new("b", "crate::b", nothing),
            ProcessEntry::new("a", "crate::y::a", nothing),
        ];
        let index = build(&ENTRIES);
        let dup = index["a"].clone().unwrap_err();
        assert_eq!(dup.name(), "a");
        assert_eq!(dup.origins(), ("crate::y::a", "crate::z::a"));
        assert!(
            dup.to_string()
                .contains("`crate::y::a` and by `crate::z::a`")
        );
        // The other name still works.
        assert_eq!(index["b"].as_ref().unwrap().origin(), "crate::b");
    }

    #[test]
    fn distinct_names_index() {
        static ENTRIES: [ProcessEntry; 2] = [
            ProcessEntry::new("a", "crate::a", nothing),
            ProcessEntry::new("b", "crate::b", nothing),
        ];
        let index = build(&ENTRIES);
        assert_eq!(index["b"].as_ref().unwrap().origin(), "crate::b");
        assert!(index.values().all(Result::is_ok));
    }

    #[test]
    fn a_local_form_is_found_by_its_type() {
        static DOUBLE: fn(u32) -> u32 = |x| x * 2;
        static ENTRY: ProcessEntry = ProcessEntry::with_local("d", "crate::d", nothing, &DOUBLE);
        let local = ENTRY.local::<fn(u32) -> u32>().unwrap();
        assert_eq!(local(21), 42);
        assert!(ENTRY.local::<u8>().is_none());
        assert!(
            ProcessEntry::new("e", "crate::e", nothing)
                .local::<u8>()
                .is_none()
        );
    }
}
