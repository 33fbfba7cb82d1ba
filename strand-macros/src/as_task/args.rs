//! The arguments of `#[as_task(...)]`: a target word, then options.
//!
//! ```text
//! #[as_task]
//! #[as_task(thread | pool | sync | process | coroutine | store | store = <expr>,
//!           on_iter = <expr>, on_end = <expr>, on_error = <expr>,
//!           fallible = true | false, name = "...", crate = <path>, pool = <expr>,
//!           serialization = json | binary, yield_on_iter = true | false,
//!           queue = "...")]
//! ```
//!
//! Parsing never stops at the first problem: every error is collected, and
//! what parsed correctly is kept, so that the rewrite built from it keeps the
//! call sites type-checking (CONVENTIONS 7).

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::{Expr, Ident, LitStr, Token};

use crate::error::{Errors, closest, one_of, set_once};

/// Where the body runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A new thread per call.
    Thread,
    /// A worker of a `Pool`.
    Pool,
    /// Right away, in the caller.
    Sync,
    /// A fresh child process per call (Unix).
    Process,
    /// A tokio task (the caller's runtime, or strand's own).
    Coroutine,
    /// A task written into a store's queue, run by a worker that takes it
    /// from there (strand-au's `StoreTaskReader`).
    Store,
}

impl Target {
    /// The targets that exist, as written in the attribute.
    const NAMES: &'static [&'static str] =
        &["thread", "pool", "sync", "process", "coroutine", "store"];

    fn from_name(name: &str) -> Option<Target> {
        match name {
            "thread" => Some(Target::Thread),
            "pool" => Some(Target::Pool),
            "sync" => Some(Target::Sync),
            "process" => Some(Target::Process),
            "coroutine" => Some(Target::Coroutine),
            "store" => Some(Target::Store),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Target::Thread => "thread",
            Target::Pool => "pool",
            Target::Sync => "sync",
            Target::Process => "process",
            Target::Coroutine => "coroutine",
            Target::Store => "store",
        }
    }

    /// Whether the body runs on another thread of this process, or in a
    /// child of it (so arguments and value must be `Send + 'static`). A
    /// `store` task's arguments are encoded during the call: it has checks
    /// of its own (see `check_store`).
    pub(crate) fn crosses_threads(self) -> bool {
        matches!(
            self,
            Target::Thread | Target::Pool | Target::Process | Target::Coroutine
        )
    }
}

/// The parsed arguments. Each value keeps the span of its key.
pub(crate) struct AsTaskArgs {
    pub(crate) target: Target,
    /// The target word, when one was written.
    pub(crate) target_span: Option<Span>,
    pub(crate) on_iter: Option<(Expr, Span)>,
    pub(crate) on_end: Option<(Expr, Span)>,
    pub(crate) on_error: Option<(Expr, Span)>,
    pub(crate) fallible: Option<(bool, Span)>,
    pub(crate) name: Option<(LitStr, Span)>,
    pub(crate) krate: Option<(syn::Path, Span)>,
    pub(crate) pool: Option<(Expr, Span)>,
    /// `serialization = binary` (the `process` target): MessagePack on the
    /// wire instead of JSON.
    pub(crate) binary: Option<(bool, Span)>,
    /// `yield_on_iter = false` (the `coroutine` target, with `on_iter`).
    pub(crate) yield_on_iter: Option<(bool, Span)>,
    /// Set after parsing: a `coroutine` task with `on_iter` whose written
    /// return type names a `Stream`, so its items are delivered as the
    /// stream yields them (`on_stream`).
    pub(crate) on_stream: bool,
    /// `store = <expr>` (the `store` target); `None` for `store` alone, the
    /// default store.
    pub(crate) store: Option<Expr>,
    /// `queue = "..."` (the `store` target), checked to be a queue name.
    pub(crate) queue: Option<(LitStr, Span)>,
}

impl Default for AsTaskArgs {
    fn default() -> Self {
        AsTaskArgs {
            target: Target::Thread,
            target_span: None,
            on_iter: None,
            on_end: None,
            on_error: None,
            fallible: None,
            name: None,
            krate: None,
            pool: None,
            binary: None,
            yield_on_iter: None,
            on_stream: false,
            store: None,
            queue: None,
        }
    }
}

/// The options, in the order of the documentation.
const OPTIONS: &[&str] = &[
    "on_iter",
    "on_end",
    "on_error",
    "fallible",
    "name",
    "crate",
    "pool",
    "serialization",
    "yield_on_iter",
    "queue",
];

/// What to write for an option, for "missing value" errors.
fn example(option: &str) -> &'static str {
    match option {
        "on_iter" => "on_iter = print_item",
        "on_end" => "on_end = |value| println!(\"{value:?}\")",
        "on_error" => "on_error = |err| eprintln!(\"{err}\")",
        "fallible" => "fallible = true",
        "name" => "name = \"jobs::resize\"",
        "crate" => "crate = strand",
        "serialization" => "serialization = binary",
        "yield_on_iter" => "yield_on_iter = false",
        "queue" => "queue = \"mail\"",
        _ => "pool = my_pool()",
    }
}

impl AsTaskArgs {
    /// Parses the attribute's arguments, recording every problem in `errs`
    /// and keeping everything that parsed.
    pub(crate) fn parse(tokens: TokenStream, errs: &mut Errors) -> AsTaskArgs {
        let mut args = AsTaskArgs::default();
        let parser = |input: ParseStream<'_>| {
            let mut first = true;
            while !input.is_empty() {
                if let Err(err) = args.parse_entry(input, first, errs) {
                    errs.push(err);
                    skip_entry(input);
                }
                first = false;
                if input.is_empty() {
                    break;
                }
                match input.parse::<Token![,]>() {
                    Ok(_) => {}
                    Err(_) => {
                        errs.at(input.span(), "expected `,` between `as_task` options");
                        skip_entry(input);
                        let _ = input.parse::<Option<Token![,]>>();
                    }
                }
            }
            Ok(())
        };
        if let Err(err) = parser.parse2(tokens) {
            errs.push(err);
        }
        args.validate(errs);
        args
    }

    fn parse_entry(
        &mut self,
        input: ParseStream<'_>,
        first: bool,
        errs: &mut Errors,
    ) -> syn::Result<()> {
        if !input.peek(Ident::peek_any) {
            return Err(input.error(format!(
                "expected a target ({}) or an option such as `on_end = ...`",
                one_of(Target::NAMES)
            )));
        }
        let key = input.call(Ident::parse_any)?;
        let name = key.unraw().to_string();
        let span = key.span();
        if !input.peek(Token![=]) {
            return self.bare_word(&name, span, first);
        }
        let eq: Token![=] = input.parse()?;
        if !OPTIONS.contains(&name.as_str()) && name != "store" {
            return Err(unknown_option(&name, span));
        }
        if input.is_empty() || input.peek(Token![,]) {
            let message = if name == "store" {
                "`store = ` needs a store: write `store = MemoryStore::new()`, or `store` alone for the default store".to_owned()
            } else {
                format!("`{name}` needs a value: write `{}`", example(&name))
            };
            return Err(syn::Error::new_spanned(quote::quote!(#key #eq), message));
        }
        let value: Expr = input.parse()?;
        match name.as_str() {
            // `store = <expr>`: the target, with its store.
            "store" if first => {
                self.target = Target::Store;
                self.target_span = Some(span);
                self.store = Some(value);
            }
            "store" => {
                return Err(syn::Error::new(
                    span,
                    "the target must come first: `#[as_task(store = ..., ...)]`",
                ));
            }
            "queue" => match str_literal(&value) {
                Some(lit) => {
                    if check_queue_name(lit, errs) {
                        set_once(&mut self.queue, lit.clone(), span, &name, errs);
                    }
                }
                None => errs.spanned(
                    &value,
                    "`queue` takes the queue's name as a string literal, such as `queue = \"mail\"`",
                ),
            },
            "on_iter" => set_once(&mut self.on_iter, value, span, &name, errs),
            "on_end" => set_once(&mut self.on_end, value, span, &name, errs),
            "on_error" => set_once(&mut self.on_error, value, span, &name, errs),
            "pool" => set_once(&mut self.pool, value, span, &name, errs),
            "yield_on_iter" => match bool_literal(&value) {
                Some(flag) => set_once(&mut self.yield_on_iter, flag, span, &name, errs),
                None => errs.spanned(
                    &value,
                    "`yield_on_iter` takes `true` or `false`: write `yield_on_iter = false`",
                ),
            },
            "serialization" => {
                if let Some(binary) = serialization(&value, errs) {
                    set_once(&mut self.binary, binary, span, &name, errs);
                }
            }
            _ => SharedOptions {
                fallible: &mut self.fallible,
                name: &mut self.name,
                krate: &mut self.krate,
            }
            .set(
                &name,
                value,
                span,
                "the strand crate, such as `crate = my_strand`",
                errs,
            ),
        }
        Ok(())
    }

    /// A word without `= value`: the target when first, else a mistake.
    fn bare_word(&mut self, name: &str, span: Span, first: bool) -> syn::Result<()> {
        if !first && OPTIONS.contains(&name) {
            return Err(syn::Error::new(
                span,
                format!("`{name}` needs a value: write `{}`", example(name)),
            ));
        }
        if let Some(target) = Target::from_name(name) {
            if first {
                self.target = target;
                self.target_span = Some(span);
                return Ok(());
            }
            return Err(syn::Error::new(
                span,
                format!("the target must come first: `#[as_task({name}, ...)]`"),
            ));
        }
        if OPTIONS.contains(&name) {
            return Err(syn::Error::new(
                span,
                format!("`{name}` needs a value: write `{}`", example(name)),
            ));
        }
        if !first {
            return Err(unknown_option(name, span));
        }
        let mut message = format!(
            "unknown `as_task` target `{name}`; expected {}",
            one_of(Target::NAMES)
        );
        if let Some(close) = closest(name, Target::NAMES) {
            message.push_str(&format!("; did you mean `{close}`?"));
        }
        Err(syn::Error::new(span, message))
    }

    /// Checks between options: problems are recorded and the option dropped.
    /// `pool = expr` without a target word means the `pool` target.
    fn validate(&mut self, errs: &mut Errors) {
        if self.target == Target::Store {
            self.validate_store(errs);
        } else if let Some((_, span)) = self.queue.take() {
            errs.at(
                span,
                format!(
                    "`queue = ...` only applies to the `store` target, whose tasks wait in a queue of the store for a worker; `{}` tasks start at once: write `#[as_task(store, queue = ...)]`",
                    self.target.name()
                ),
            );
        }
        if let Some((_, span)) = self.yield_on_iter {
            if self.target != Target::Coroutine {
                errs.at(
                    span,
                    format!(
                        "`yield_on_iter` only applies to the `coroutine` target, which can yield to its scheduler between items; `{}` tasks deliver items on their own thread",
                        self.target.name()
                    ),
                );
                self.yield_on_iter = None;
            } else if self.on_iter.is_none() {
                errs.at(
                    span,
                    "`yield_on_iter` says whether to yield between the items given to `on_iter`, but there is no `on_iter`; add `on_iter = <callback>` or remove `yield_on_iter`",
                );
                self.yield_on_iter = None;
            }
        }
        if self.target != Target::Process {
            if let Some((_, span)) = self.binary.take() {
                errs.at(
                    span,
                    format!(
                        "`serialization = ...` only applies to the `process` target, whose arguments and value cross to a child process; `{}` tasks pass them in memory",
                        self.target.name()
                    ),
                );
            }
        }
        if self.target_span.is_none() && self.pool.is_some() {
            self.target = Target::Pool;
        }
        if self.target != Target::Pool {
            if let Some((_, span)) = self.pool.take() {
                errs.at(
                    span,
                    format!(
                        "`pool = ...` only applies to the `pool` target, not `{}`; write `#[as_task(pool, pool = ...)]`",
                        self.target.name()
                    ),
                );
            }
        }
    }
}

impl AsTaskArgs {
    /// The options that do not apply to a `store` task, whose body runs in a
    /// worker process that takes it from the store: each is reported and
    /// dropped.
    fn validate_store(&mut self, errs: &mut Errors) {
        if let Some((_, span)) = self.on_iter.take() {
            errs.at(
                span,
                "`on_iter` does not apply to the `store` target: the body runs in a worker process, which takes the task from the store and cannot hand each item back to this one; return a collection (`Vec<T>`) and read it with `on_end` or `join()`",
            );
        }
        if let Some((_, span)) = self.pool.take() {
            errs.at(
                span,
                "`pool = ...` does not apply to the `store` target: the body runs in a worker process, which takes the task from the store; how many tasks a worker runs at once is set where it runs (`StoreTaskReader::new(store).concurrency(n)`)",
            );
        }
        if let Some((_, span)) = self.binary.take() {
            errs.at(
                span,
                "`serialization = ...` does not apply to the `store` target: arguments and value are written into the store, in the store's own format; configure the store instead (`FileSystemStore::new(dir).serialization(Serialization::Binary)`)",
            );
        }
        if let Some((_, span)) = self.yield_on_iter.take() {
            errs.at(
                span,
                "`yield_on_iter` does not apply to the `store` target: the body runs in a worker process, which takes the task from the store, and delivers no items to this one; remove it",
            );
        }
    }
}

/// Whether `lit` is a valid queue name (1 to 64 ASCII letters, digits, `-`,
/// `_` or `.`, not starting with `.`); if not, says so at `lit`. Shared by
/// `#[as_task(store, queue = "...")]` and
/// `#[async_compute(backend = queue("..."))]`.
pub(crate) fn check_queue_name(lit: &LitStr, errs: &mut Errors) -> bool {
    let name = lit.value();
    let problem = if name.is_empty() {
        Some("it is empty".to_owned())
    } else if name.len() > 64 {
        Some(format!("it has {} characters, more than 64", name.len()))
    } else if name.starts_with('.') {
        Some("it starts with `.`".to_owned())
    } else {
        name.chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .map(|c| format!("it contains {c:?}"))
    };
    match problem {
        Some(problem) => {
            errs.spanned(
                lit,
                format!(
                    "invalid queue name {:?}: {problem}; a queue name has 1 to 64 ASCII letters, digits, `-`, `_` or `.`, and does not start with `.`, such as `\"mail\"`",
                    name
                ),
            );
            false
        }
        None => true,
    }
}

/// The identifier of an expression that is a single word.
pub(crate) fn word(expr: &Expr) -> Option<&Ident> {
    path_of(expr).and_then(|_| match expr {
        Expr::Path(p) if p.path.leading_colon.is_none() && p.path.segments.len() == 1 => {
            let segment = &p.path.segments[0];
            segment.arguments.is_empty().then_some(&segment.ident)
        }
        _ => None,
    })
}

/// The value of `serialization = json | binary`, shared by both
/// attributes: `Some(true)` for `binary`, `Some(false)` for `json`; any
/// other value is recorded in `errs` (with the closest name) and gives
/// `None`.
pub(crate) fn serialization(value: &Expr, errs: &mut Errors) -> Option<bool> {
    let word = word(value).map(Ident::to_string);
    match word.as_deref() {
        Some("json") => Some(false),
        Some("binary") => Some(true),
        other => {
            let mut message = format!(
                "unknown serialization `{}`; expected `json` or `binary`",
                value.to_token_stream()
            );
            if let Some(close) = other.and_then(|w| closest(w, &["json", "binary"])) {
                message.push_str(&format!("; did you mean `{close}`?"));
            }
            errs.spanned(value, message);
            None
        }
    }
}

fn unknown_option(name: &str, span: Span) -> syn::Error {
    let mut message = format!(
        "unknown `as_task` option `{name}`; expected one of {}",
        one_of(OPTIONS)
    );
    if let Some(close) = closest(name, OPTIONS) {
        message.push_str(&format!("; did you mean `{close}`?"));
    }
    syn::Error::new(span, message)
}

/// Skips to the next top-level `,` (or the end) after an error.
pub(crate) fn skip_entry(input: ParseStream<'_>) {
    while !input.is_empty() && !input.peek(Token![,]) {
        if input.parse::<proc_macro2::TokenTree>().is_err() {
            break;
        }
    }
}

/// The slots of the options both attributes take, `fallible`, `name` and
/// `crate`, so that both parse and check them the same way.
pub(crate) struct SharedOptions<'a> {
    pub(crate) fallible: &'a mut Option<(bool, Span)>,
    pub(crate) name: &'a mut Option<(LitStr, Span)>,
    pub(crate) krate: &'a mut Option<(syn::Path, Span)>,
}

impl SharedOptions<'_> {
    /// Sets `key` (`fallible`, `name`, or else `crate`) from `value`;
    /// `crate_hint` names the crate `crate = ...` should point at, with an
    /// example, for when the value is no path.
    pub(crate) fn set(
        self,
        key: &str,
        value: Expr,
        span: Span,
        crate_hint: &str,
        errs: &mut Errors,
    ) {
        match key {
            "fallible" => match bool_literal(&value) {
                Some(b) => set_once(self.fallible, b, span, key, errs),
                None => errs.spanned(
                    &value,
                    format!(
                        "`fallible` takes `true` or `false`, found `{}`",
                        value.to_token_stream()
                    ),
                ),
            },
            "name" => match str_literal(&value) {
                Some(lit) if lit.value().is_empty() => errs.spanned(
                    lit,
                    "`name` cannot be empty; write a stable name such as `name = \"jobs::resize\"`",
                ),
                Some(lit) => set_once(self.name, lit.clone(), span, key, errs),
                None => errs.spanned(
                    &value,
                    "`name` takes a string literal, such as `name = \"jobs::resize\"`",
                ),
            },
            _ => match path_of(&value) {
                Some(path) => set_once(self.krate, path, span, key, errs),
                None => errs.spanned(&value, format!("`crate` takes the path of {crate_hint}")),
            },
        }
    }
}

pub(crate) fn bool_literal(expr: &Expr) -> Option<bool> {
    match expr {
        Expr::Lit(lit) if lit.attrs.is_empty() => match &lit.lit {
            syn::Lit::Bool(b) => Some(b.value),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn str_literal(expr: &Expr) -> Option<&LitStr> {
    match expr {
        Expr::Lit(lit) if lit.attrs.is_empty() => match &lit.lit {
            syn::Lit::Str(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn path_of(expr: &Expr) -> Option<syn::Path> {
    match expr {
        Expr::Path(p) if p.attrs.is_empty() && p.qself.is_none() => Some(p.path.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(tokens: TokenStream) -> (AsTaskArgs, Vec<String>) {
        let mut errs = Errors::new();
        let args = AsTaskArgs::parse(tokens, &mut errs);
        let messages = errs
            .into_error()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default();
        (args, messages)
    }

    #[test]
    fn empty_means_thread() {
        let (args, errs) = parse(quote!());
        assert!(errs.is_empty());
        assert_eq!(args.target, Target::Thread);
    }

    #[test]
    fn full() {
        let (args, errs) = parse(quote!(
            pool,
            on_iter = f::<A, B>,
            on_end = |n: &usize| g(n, 1),
            on_error = h,
            fallible = false,
            name = "x",
            crate = ::my::strand,
            pool = my_pool(),
        ));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(args.target, Target::Pool);
        assert!(args.on_iter.is_some() && args.on_end.is_some() && args.on_error.is_some());
        assert_eq!(args.fallible.map(|f| f.0), Some(false));
        assert_eq!(args.name.unwrap().0.value(), "x");
        assert!(args.krate.is_some() && args.pool.is_some());
    }

    #[test]
    fn pool_option_implies_pool_target() {
        let (args, errs) = parse(quote!(pool = my_pool()));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(args.target, Target::Pool);
        let (args, errs) = parse(quote!(on_end = f, pool = my_pool()));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(args.target, Target::Pool);
    }

    #[test]
    fn keeps_what_parsed() {
        let (args, errs) = parse(quote!(sync, on_ned = f, on_end = g, on_end = h, name = 3));
        assert_eq!(args.target, Target::Sync);
        assert!(args.on_end.is_some());
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].contains("did you mean `on_end`?"), "{}", errs[0]);
        assert_eq!(errs[1], "duplicate `on_end` option");
    }

    #[test]
    fn store_target() {
        let (args, errs) = parse(quote!(store));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(args.target, Target::Store);
        assert!(args.store.is_none() && args.target_span.is_some());
        let (args, errs) = parse(quote!(
            store = STORE.clone(),
            queue = "mail",
            on_end = f,
            on_error = g,
            fallible = true,
            name = "jobs::send",
        ));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(args.target, Target::Store);
        assert!(args.store.is_some() && args.on_end.is_some() && args.on_error.is_some());
        assert_eq!(args.queue.unwrap().0.value(), "mail");
    }

    #[test]
    fn queue_names() {
        for good in ["default", "a", "mail.v2", "-_.x", &"q".repeat(64)] {
            let mut errs = Errors::new();
            assert!(check_queue_name(
                &LitStr::new(good, Span::call_site()),
                &mut errs
            ));
            errs.finish().unwrap();
        }
        let bad = [
            ("", "it is empty"),
            (".hidden", "it starts with `.`"),
            ("a b", "it contains ' '"),
            ("a/b", "it contains '/'"),
            ("é", "it contains 'é'"),
        ];
        for (name, problem) in bad {
            let mut errs = Errors::new();
            assert!(!check_queue_name(
                &LitStr::new(name, Span::call_site()),
                &mut errs
            ));
            let message = errs.into_error().unwrap().to_string();
            assert_eq!(
                message,
                format!(
                    "invalid queue name {name:?}: {problem}; a queue name has 1 to 64 ASCII letters, digits, `-`, `_` or `.`, and does not start with `.`, such as `\"mail\"`"
                )
            );
        }
        let mut errs = Errors::new();
        let long = "q".repeat(65);
        assert!(!check_queue_name(
            &LitStr::new(&long, Span::call_site()),
            &mut errs
        ));
        assert!(
            errs.into_error()
                .unwrap()
                .to_string()
                .contains("it has 65 characters, more than 64")
        );
    }

    #[test]
    fn messages() {
        let cases = [
            (
                quote!(threads),
                "unknown `as_task` target `threads`; expected `thread`, `pool`, `sync`, `process`, `coroutine` or `store`; did you mean `thread`?",
            ),
            (
                quote!(store =),
                "`store = ` needs a store: write `store = MemoryStore::new()`, or `store` alone for the default store",
            ),
            (
                quote!(thread, store = s),
                "the target must come first: `#[as_task(store = ..., ...)]`",
            ),
            (
                quote!(thread, queue = "mail"),
                "`queue = ...` only applies to the `store` target, whose tasks wait in a queue of the store for a worker; `thread` tasks start at once: write `#[as_task(store, queue = ...)]`",
            ),
            (
                quote!(store, queue = mail),
                "`queue` takes the queue's name as a string literal, such as `queue = \"mail\"`",
            ),
            (
                quote!(store, queue = "a", queue = "b"),
                "duplicate `queue` option",
            ),
            (
                quote!(store, on_iter = f),
                "`on_iter` does not apply to the `store` target: the body runs in a worker process, which takes the task from the store and cannot hand each item back to this one; return a collection (`Vec<T>`) and read it with `on_end` or `join()`",
            ),
            (
                quote!(store = s, pool = p),
                "`pool = ...` does not apply to the `store` target: the body runs in a worker process, which takes the task from the store; how many tasks a worker runs at once is set where it runs (`StoreTaskReader::new(store).concurrency(n)`)",
            ),
            (
                quote!(store, serialization = binary),
                "`serialization = ...` does not apply to the `store` target: arguments and value are written into the store, in the store's own format; configure the store instead (`FileSystemStore::new(dir).serialization(Serialization::Binary)`)",
            ),
            (
                quote!(store, yield_on_iter = false),
                "`yield_on_iter` does not apply to the `store` target: the body runs in a worker process, which takes the task from the store, and delivers no items to this one; remove it",
            ),
            (
                quote!(coroutine, yield_on_iter = false),
                "`yield_on_iter` says whether to yield between the items given to `on_iter`, but there is no `on_iter`; add `on_iter = <callback>` or remove `yield_on_iter`",
            ),
            (
                quote!(thread, on_iter = f, yield_on_iter = true),
                "`yield_on_iter` only applies to the `coroutine` target, which can yield to its scheduler between items; `thread` tasks deliver items on their own thread",
            ),
            (
                quote!(thread, serialization = binary),
                "`serialization = ...` only applies to the `process` target, whose arguments and value cross to a child process; `thread` tasks pass them in memory",
            ),
            (
                quote!(process, serialization = yaml),
                "unknown serialization `yaml`; expected `json` or `binary`",
            ),
            (
                quote!(on_end),
                "`on_end` needs a value: write `on_end = |value| println!(\"{value:?}\")`",
            ),
            (
                quote!(thread, on_end =),
                "`on_end` needs a value: write `on_end = |value| println!(\"{value:?}\")`",
            ),
            (
                quote!(thread, fallible = 1),
                "`fallible` takes `true` or `false`, found `1`",
            ),
            (
                quote!(thread, pool = p),
                "`pool = ...` only applies to the `pool` target, not `thread`; write `#[as_task(pool, pool = ...)]`",
            ),
            (
                quote!(thread, sync),
                "the target must come first: `#[as_task(sync, ...)]`",
            ),
            (
                quote!(thread, name = ""),
                "`name` cannot be empty; write a stable name such as `name = \"jobs::resize\"`",
            ),
            (
                quote!(thread on_end = f),
                "expected `,` between `as_task` options",
            ),
        ];
        for (tokens, expected) in cases {
            let (_, errs) = parse(tokens);
            assert_eq!(errs, [expected]);
        }
    }
}
