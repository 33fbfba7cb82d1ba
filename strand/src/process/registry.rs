//! The registry of functions a child process can run, filled at link time.
//!
//! Every `#[as_task(process)]` function (and every `#[async_compute]`
//! function) adds one [`ProcessEntry`] to a [`linkme`] distributed slice.
//! The slice is assembled by the linker, so it is complete before any code
//! runs: the start-up hook that turns a child into a worker can read it
//! before `main`, with no constructor-ordering race.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use super::Serialization;
use super::frame::Reply;

/// The input of a registered function in the child: its encoded arguments
/// and how they are encoded.
#[derive(Debug, Clone, Copy)]
pub struct ChildInput<'a> {
    /// The arguments, encoded by the parent.
    pub payload: &'a [u8],
    /// Their encoding, which the reply uses too.
    pub format: Serialization,
}

/// One function that a child process can run, found by its name.
#[derive(Debug)]
pub struct ProcessEntry {
    name: &'static str,
    origin: &'static str,
    run: fn(ChildInput<'_>) -> Reply,
}

impl ProcessEntry {
    /// An entry for `run`, registered as `name`; `origin` says where it was
    /// defined, for the duplicate-name error.
    pub const fn new(
        name: &'static str,
        origin: &'static str,
        run: fn(ChildInput<'_>) -> Reply,
    ) -> Self {
        ProcessEntry { name, origin, run }
    }

    /// The registered name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Where the function was defined.
    pub fn origin(&self) -> &'static str {
        self.origin
    }

    pub(crate) fn run(&self, input: ChildInput<'_>) -> Reply {
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
    pub fn name(&self) -> &str {
        self.name
    }

    /// Where the two functions were defined.
    pub fn origins(&self) -> (&str, &str) {
        (self.first, self.second)
    }
}

impl fmt::Display for DuplicateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "process function name `{}` is registered twice: by `{}` and by `{}`; give one of them another `name = \"...\"`",
            self.name, self.first, self.second
        )
    }
}

impl std::error::Error for DuplicateName {}

type Index = Result<HashMap<&'static str, &'static ProcessEntry>, DuplicateName>;

fn build(entries: &'static [ProcessEntry]) -> Index {
    let mut index = HashMap::with_capacity(entries.len());
    for entry in entries {
        if let Some(first) = index.insert(entry.name, entry) {
            // Report the pair in a stable order, whatever the link order.
            let (first, second) = if first.origin <= entry.origin {
                (first.origin, entry.origin)
            } else {
                (entry.origin, first.origin)
            };
            return Err(DuplicateName {
                name: entry.name,
                first,
                second,
            });
        }
    }
    Ok(index)
}

static INDEX: LazyLock<Index> = LazyLock::new(|| build(&PROCESS_FUNCTIONS));

/// Checks that no two registered functions share a name.
///
/// The parent runs this check before it starts its first child and every
/// child before it runs anything, so a duplicate is an error on the first
/// call (naming both functions), never a silent pick. Call it at the top of
/// `main` to fail at start-up instead.
///
/// # Errors
///
/// [`DuplicateName`] naming both definitions.
///
/// # Examples
///
/// ```
/// if let Err(dup) = strand::process::check_registry() {
///     eprintln!("{dup}");
///     std::process::exit(2);
/// }
/// ```
pub fn check_registry() -> Result<(), DuplicateName> {
    INDEX.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// The entry registered as `name`.
pub(crate) fn lookup(name: &str) -> Result<Option<&'static ProcessEntry>, DuplicateName> {
    match &*INDEX {
        Ok(index) => Ok(index.get(name).copied()),
        Err(dup) => Err(dup.clone()),
    }
}

/// Every registered name, sorted.
///
/// # Examples
///
/// ```
/// let names = strand::process::registered_names();
/// assert!(names.windows(2).all(|w| w[0] <= w[1]));
/// ```
pub fn registered_names() -> Vec<&'static str> {
    let mut names: Vec<_> = PROCESS_FUNCTIONS.iter().map(|e| e.name).collect();
    names.sort_unstable();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing(_: ChildInput<'_>) -> Reply {
        Reply::Value(Vec::new())
    }

    #[test]
    fn duplicates_name_both_definitions_in_a_stable_order() {
        static ENTRIES: [ProcessEntry; 3] = [
            ProcessEntry::new("a", "crate::z::a", nothing),
            ProcessEntry::new("b", "crate::b", nothing),
            ProcessEntry::new("a", "crate::y::a", nothing),
        ];
        let dup = build(&ENTRIES).unwrap_err();
        assert_eq!(dup.name(), "a");
        assert_eq!(dup.origins(), ("crate::y::a", "crate::z::a"));
        assert!(
            dup.to_string()
                .contains("`crate::y::a` and by `crate::z::a`")
        );
    }

    #[test]
    fn distinct_names_index() {
        static ENTRIES: [ProcessEntry; 2] = [
            ProcessEntry::new("a", "crate::a", nothing),
            ProcessEntry::new("b", "crate::b", nothing),
        ];
        let index = build(&ENTRIES).unwrap();
        assert_eq!(index["b"].origin(), "crate::b");
    }
}
