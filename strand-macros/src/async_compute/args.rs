//! The arguments of `#[async_compute(...)]`: options only, each at most once.
//!
//! ```text
//! #[async_compute]
//! #[async_compute(store = <expr>, ttl = <seconds literal | Duration expr>,
//!                 backend = thread | pool | process | process_pool(<expr>)
//!                           | queue | queue("name") | <expr>,
//!                 serialization = json | binary,
//!                 middleware = [<expr>, ...], fallible = true | false,
//!                 name = "...", crate = <path>)]
//! ```
//!
//! As for `#[as_task]`, parsing never stops at the first problem and keeps
//! what parsed, so that the rewrite built from it keeps call sites
//! type-checking (CONVENTIONS 7).

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::{Expr, Ident, LitInt, LitStr, Token};

use crate::as_task::args::{
    SharedOptions, check_queue_name, serialization, skip_entry, str_literal, word,
};
use crate::error::{Errors, closest, one_of, set_once};

/// `ttl = ...`.
pub(crate) enum Ttl {
    /// An integer literal: seconds.
    Secs(LitInt),
    /// Anything else: a `Duration` expression.
    Expr(Expr),
}

/// `backend = ...`.
pub(crate) enum Backend {
    /// `thread`: a `ThreadBackend`.
    Thread(Ident),
    /// `pool`: the global `PoolBackend`.
    Pool(Ident),
    /// `process`: a fresh child process per computation (Unix).
    Process(Ident),
    /// `process_pool(n)`: `n` warm worker processes (Unix).
    ProcessPool(Ident, Box<Expr>),
    /// `queue` or `queue("name")`: the job goes into that queue of the
    /// store (`"default"` for the bare word), for any worker to run.
    Queue(Ident, Option<LitStr>),
    /// Any other expression.
    Expr(Expr),
}

/// `process_pool(<expr>)`: the word and the size expression; `None` when
/// `value` is some other expression.
fn process_pool(value: &Expr) -> Option<syn::Result<(Ident, Expr)>> {
    let Expr::Call(call) = value else {
        return None;
    };
    let word = word(&call.func)?;
    if word != "process_pool" {
        return None;
    }
    if call.args.len() != 1 {
        return Some(Err(syn::Error::new_spanned(
            call,
            "`process_pool` takes one argument, the number of worker processes: write `backend = process_pool(4)`",
        )));
    }
    Some(Ok((word.clone(), call.args[0].clone())))
}

/// `queue("name")`: the word and the checked name; `None` when `value` is
/// some other expression.
fn queue_call(value: &Expr, errs: &mut Errors) -> Option<Option<(Ident, LitStr)>> {
    let Expr::Call(call) = value else {
        return None;
    };
    let word = word(&call.func)?;
    if word != "queue" {
        return None;
    }
    let name = match (call.args.len(), call.args.first().and_then(str_literal)) {
        (1, Some(lit)) => lit.clone(),
        _ => {
            errs.spanned(
                call,
                "`queue` takes the name of one queue of the store, as a string literal: write `backend = queue(\"mail\")`, or `backend = queue` for the queue `default`",
            );
            return Some(None);
        }
    };
    Some(check_queue_name(&name, errs).then(|| (word.clone(), name)))
}

/// `serialization = ...`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Format {
    Json,
    Binary,
}

/// The parsed arguments. Each value keeps the span of its key.
#[derive(Default)]
pub(crate) struct AsyncComputeArgs {
    pub(crate) store: Option<(Expr, Span)>,
    pub(crate) ttl: Option<(Ttl, Span)>,
    pub(crate) backend: Option<(Backend, Span)>,
    pub(crate) serialization: Option<(Format, Span)>,
    pub(crate) middleware: Option<(Vec<Expr>, Span)>,
    pub(crate) fallible: Option<(bool, Span)>,
    pub(crate) name: Option<(LitStr, Span)>,
    pub(crate) krate: Option<(syn::Path, Span)>,
}

/// The options, in the order of the documentation.
pub(crate) const OPTIONS: &[&str] = &[
    "store",
    "ttl",
    "backend",
    "serialization",
    "middleware",
    "fallible",
    "name",
    "crate",
];

/// What to write for an option, for "missing value" errors.
fn example(option: &str) -> &'static str {
    match option {
        "store" => "store = MemoryStore::new()",
        "ttl" => "ttl = 3600",
        "backend" => "backend = pool",
        "serialization" => "serialization = binary",
        "middleware" => "middleware = [LoggingMiddleware::new()]",
        "fallible" => "fallible = true",
        "name" => "name = \"jobs::resize\"",
        _ => "crate = strand_au",
    }
}

impl AsyncComputeArgs {
    /// Parses the attribute's arguments, recording every problem in `errs`
    /// and keeping everything that parsed.
    pub(crate) fn parse(tokens: TokenStream, errs: &mut Errors) -> AsyncComputeArgs {
        let mut args = AsyncComputeArgs::default();
        let parser = |input: ParseStream<'_>| {
            while !input.is_empty() {
                if let Err(err) = args.parse_entry(input, errs) {
                    errs.push(err);
                    skip_entry(input);
                }
                if input.is_empty() {
                    break;
                }
                if input.parse::<Token![,]>().is_err() {
                    errs.at(input.span(), "expected `,` between `async_compute` options");
                    skip_entry(input);
                    let _ = input.parse::<Option<Token![,]>>();
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

    fn parse_entry(&mut self, input: ParseStream<'_>, errs: &mut Errors) -> syn::Result<()> {
        if !input.peek(Ident::peek_any) {
            return Err(input.error(format!(
                "expected an option such as `store = ...`: {}",
                one_of(OPTIONS)
            )));
        }
        let key = input.call(Ident::parse_any)?;
        let name = key.unraw().to_string();
        let span = key.span();
        if !OPTIONS.contains(&name.as_str()) {
            return Err(unknown_option(&name, span));
        }
        if !input.peek(Token![=]) {
            return Err(syn::Error::new(
                span,
                format!("`{name}` needs a value: write `{}`", example(&name)),
            ));
        }
        let eq: Token![=] = input.parse()?;
        if input.is_empty() || input.peek(Token![,]) {
            return Err(syn::Error::new_spanned(
                quote::quote!(#key #eq),
                format!("`{name}` needs a value: write `{}`", example(&name)),
            ));
        }
        let value: Expr = input.parse()?;
        match name.as_str() {
            "store" => set_once(&mut self.store, value, span, &name, errs),
            "ttl" => match ttl(value) {
                Ok(ttl) => set_once(&mut self.ttl, ttl, span, &name, errs),
                Err(err) => errs.push(err),
            },
            "backend" => {
                let backend = match word(&value) {
                    Some(w) if w == "thread" => Backend::Thread(w.clone()),
                    Some(w) if w == "pool" => Backend::Pool(w.clone()),
                    Some(w) if w == "process" => Backend::Process(w.clone()),
                    Some(w) if w == "queue" => Backend::Queue(w.clone(), None),
                    Some(w) if w == "process_pool" => {
                        errs.spanned(
                            w,
                            "`process_pool` needs the number of worker processes: write `backend = process_pool(4)`",
                        );
                        return Ok(());
                    }
                    _ => match queue_call(&value, errs) {
                        Some(Some((word, name))) => Backend::Queue(word, Some(name)),
                        // A bad queue name, reported: the option is dropped.
                        Some(None) => return Ok(()),
                        None => match process_pool(&value) {
                            Some(Ok((word, size))) => Backend::ProcessPool(word, Box::new(size)),
                            Some(Err(err)) => {
                                errs.push(err);
                                return Ok(());
                            }
                            None => Backend::Expr(value),
                        },
                    },
                };
                set_once(&mut self.backend, backend, span, &name, errs);
            }
            "serialization" => {
                if let Some(binary) = serialization(&value, errs) {
                    let format = if binary { Format::Binary } else { Format::Json };
                    set_once(&mut self.serialization, format, span, &name, errs);
                }
            }
            "middleware" => match value {
                Expr::Array(list) if list.attrs.is_empty() => {
                    let items = list.elems.into_iter().collect();
                    set_once(&mut self.middleware, items, span, &name, errs);
                }
                other => {
                    errs.spanned(
                        &other,
                        "`middleware` takes a list: put the middleware in brackets, `middleware = [...]`",
                    );
                    // Keep it as a list of one, so that nothing else reports.
                    set_once(&mut self.middleware, vec![other], span, &name, errs);
                }
            },
            _ => SharedOptions {
                fallible: &mut self.fallible,
                name: &mut self.name,
                krate: &mut self.krate,
            }
            .set(
                &name,
                value,
                span,
                "the strand_au crate, such as `crate = my_strand_au`",
                errs,
            ),
        }
        Ok(())
    }

    /// Checks between options: problems are recorded and the option dropped.
    fn validate(&mut self, errs: &mut Errors) {
        // With a process backend, `serialization` also sets the encoding
        // between processes, so it means something next to any store.
        let crosses = matches!(
            self.backend,
            Some((Backend::Process(_) | Backend::ProcessPool(..), _))
        );
        if self.store.is_some() && !crosses {
            if let Some((format, span)) = self.serialization.take() {
                let format = match format {
                    Format::Json => "Json",
                    Format::Binary => "Binary",
                };
                errs.at(
                    span,
                    format!(
                        "`serialization` configures the default store, but `store = ...` is given; configure that store instead, e.g. `FileSystemStore::new(dir).serialization(Serialization::{format})`, and remove `serialization`"
                    ),
                );
            }
        }
    }
}

fn unknown_option(name: &str, span: Span) -> syn::Error {
    let mut message = format!(
        "unknown `async_compute` option `{name}`; expected one of {}",
        one_of(OPTIONS)
    );
    if let Some(close) = closest(name, OPTIONS) {
        message.push_str(&format!("; did you mean `{close}`?"));
    }
    syn::Error::new(span, message)
}

/// `ttl = 60` (seconds) or a `Duration` expression; a string or a float
/// literal is a mistake said here, in words.
fn ttl(value: Expr) -> syn::Result<Ttl> {
    if let Expr::Lit(lit) = &value {
        match &lit.lit {
            syn::Lit::Int(int) => {
                int.base10_parse::<u64>()?;
                return Ok(Ttl::Secs(int.clone()));
            }
            syn::Lit::Str(_) | syn::Lit::Float(_) => {
                return Err(syn::Error::new_spanned(
                    &value,
                    "`ttl` takes whole seconds or a `Duration`: write `ttl = 3600` or `ttl = Duration::from_secs(3600)`",
                ));
            }
            _ => {}
        }
    }
    Ok(Ttl::Expr(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(tokens: TokenStream) -> (AsyncComputeArgs, Vec<String>) {
        let mut errs = Errors::new();
        let args = AsyncComputeArgs::parse(tokens, &mut errs);
        let messages = errs
            .into_error()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default();
        (args, messages)
    }

    #[test]
    fn full() {
        let (args, errs) = parse(quote!(
            ttl = Duration::from_secs(5),
            backend = pool,
            serialization = binary,
            middleware = [LoggingMiddleware::new(), METRICS.clone()],
            fallible = false,
            name = "jobs::x",
            crate = ::my::strand_au,
        ));
        assert!(errs.is_empty(), "{errs:?}");
        assert!(matches!(args.ttl, Some((Ttl::Expr(_), _))));
        assert!(matches!(args.backend, Some((Backend::Pool(_), _))));
        assert_eq!(args.serialization.map(|s| s.0), Some(Format::Binary));
        assert_eq!(args.middleware.map(|m| m.0.len()), Some(2));
        assert_eq!(args.name.unwrap().0.value(), "jobs::x");
        assert!(args.krate.is_some() && args.fallible.is_some());
        let (args, errs) = parse(quote!(
            store = STORE.clone(),
            ttl = 60,
            backend = my_backend()
        ));
        assert!(errs.is_empty(), "{errs:?}");
        assert!(matches!(args.ttl, Some((Ttl::Secs(_), _))));
        assert!(matches!(args.backend, Some((Backend::Expr(_), _))));
        let (args, errors) = parse(quote!(
            backend = process_pool(workers()),
            store = s,
            serialization = binary
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert!(matches!(args.backend, Some((Backend::ProcessPool(..), _))));
        assert!(
            args.serialization.is_some(),
            "kept: it sets the wire format"
        );
    }

    #[test]
    fn messages() {
        let cases = [
            (
                quote!(tll = 5),
                "unknown `async_compute` option `tll`; expected one of `store`, `ttl`, `backend`, `serialization`, `middleware`, `fallible`, `name` or `crate`; did you mean `ttl`?",
            ),
            (quote!(ttl = 1, ttl = 2), "duplicate `ttl` option"),
            (
                quote!(store),
                "`store` needs a value: write `store = MemoryStore::new()`",
            ),
            (
                quote!(ttl = "1h"),
                "`ttl` takes whole seconds or a `Duration`: write `ttl = 3600` or `ttl = Duration::from_secs(3600)`",
            ),
            (
                quote!(backend = process_pool),
                "`process_pool` needs the number of worker processes: write `backend = process_pool(4)`",
            ),
            (
                quote!(backend = process_pool(2, 3)),
                "`process_pool` takes one argument, the number of worker processes: write `backend = process_pool(4)`",
            ),
            (
                quote!(serialization = jsn),
                "unknown serialization `jsn`; expected `json` or `binary`; did you mean `json`?",
            ),
            (
                quote!(middleware = LoggingMiddleware::new()),
                "`middleware` takes a list: put the middleware in brackets, `middleware = [...]`",
            ),
            (
                quote!(store = s, serialization = binary),
                "`serialization` configures the default store, but `store = ...` is given; configure that store instead, e.g. `FileSystemStore::new(dir).serialization(Serialization::Binary)`, and remove `serialization`",
            ),
            (
                quote!(ttl = 1 backend = pool),
                "expected `,` between `async_compute` options",
            ),
        ];
        for (tokens, expected) in cases {
            let (_, errs) = parse(tokens);
            assert_eq!(errs, [expected]);
        }
    }

    #[test]
    fn queue_backend() {
        let (args, errs) = parse(quote!(backend = queue));
        assert!(errs.is_empty(), "{errs:?}");
        assert!(matches!(args.backend, Some((Backend::Queue(_, None), _))));
        let (args, errs) = parse(quote!(backend = queue("mail"), store = s));
        assert!(errs.is_empty(), "{errs:?}");
        match args.backend {
            Some((Backend::Queue(_, Some(name)), _)) => assert_eq!(name.value(), "mail"),
            _ => panic!("not a named queue"),
        }
        let cases = [
            (
                quote!(backend = queue(mail)),
                "`queue` takes the name of one queue of the store, as a string literal: write `backend = queue(\"mail\")`, or `backend = queue` for the queue `default`",
            ),
            (
                quote!(backend = queue("a", "b")),
                "`queue` takes the name of one queue of the store, as a string literal: write `backend = queue(\"mail\")`, or `backend = queue` for the queue `default`",
            ),
            (
                quote!(backend = queue("no way")),
                "invalid queue name \"no way\": it contains ' '; a queue name has 1 to 64 ASCII letters, digits, `-`, `_` or `.`, and does not start with `.`, such as `\"mail\"`",
            ),
        ];
        for (tokens, expected) in cases {
            let (args, errs) = parse(tokens);
            assert_eq!(errs, [expected]);
            assert!(args.backend.is_none());
        }
    }

    #[test]
    fn keeps_what_parsed() {
        let (args, errs) = parse(quote!(ttl = 5, bakend = pool, backend = thread, name = 3));
        assert!(args.ttl.is_some() && args.backend.is_some());
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs[0].contains("did you mean `backend`?"), "{}", errs[0]);
    }
}
