//! Error collection: every independent problem becomes one `syn::Error`,
//! combined so that rustc shows them all at once (serde's `Ctxt`, darling's
//! `Accumulator`).

use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// Collects errors; must be checked with [`Errors::finish`] or
/// [`Errors::into_error`] before it is dropped.
#[must_use = "errors must be checked with `finish` or `into_error`"]
pub(crate) struct Errors {
    error: Option<syn::Error>,
    checked: bool,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Errors {
            error: None,
            checked: false,
        }
    }

    /// Records an error.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.error {
            Some(all) => all.combine(error),
            None => self.error = Some(error),
        }
    }

    /// Records an error at `span`.
    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error spanning `tokens`.
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Whether no error was recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.error.is_none()
    }

    /// Moves the errors of `other` into `self`.
    pub(crate) fn absorb(&mut self, other: Errors) {
        if let Some(error) = other.into_error() {
            self.push(error);
        }
    }

    /// The combined error, if any.
    pub(crate) fn into_error(mut self) -> Option<syn::Error> {
        self.checked = true;
        self.error.take()
    }

    /// `Err` with the combined error, if any.
    pub(crate) fn finish(self) -> syn::Result<()> {
        match self.into_error() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if !self.checked && !std::thread::panicking() {
            panic!("strand-macros bug: `Errors` dropped without being checked");
        }
    }
}

/// `error` as `compile_error!` invocations followed by `item`, so the item
/// still exists for the rest of the crate (tokio's `token_stream_with_error`).
pub(crate) fn with_item(error: syn::Error, item: TokenStream) -> TokenStream {
    let mut out = error.into_compile_error();
    out.extend(item);
    out
}

/// Stores `value` in an empty slot; a second occurrence is an error at its
/// key (serde's `Attr::set`), shared by every macro of the crate.
pub(crate) fn set_once<T>(
    slot: &mut Option<(T, Span)>,
    value: T,
    span: Span,
    name: &str,
    errs: &mut Errors,
) {
    if slot.is_some() {
        errs.at(span, format!("duplicate `{name}` option"));
    } else {
        *slot = Some((value, span));
    }
}

/// "`a`, `b` or `c`".
pub(crate) fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The candidate closest to `word`, if it is close enough to be a typo. On a
/// tie, a candidate that `word` abbreviates wins (`on_err` → `on_error`).
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), !c.starts_with(word), *c))
        .filter(|(d, _, _)| *d <= limit)
        .min_by_key(|(d, not_prefix, _)| (*d, *not_prefix))
        .map(|(_, _, c)| c)
}

/// Levenshtein distance, with a transposition counted as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let targets = ["thread", "pool", "sync"];
        assert_eq!(closest("threads", &targets), Some("thread"));
        assert_eq!(closest("tread", &targets), Some("thread"));
        assert_eq!(closest("pol", &targets), Some("pool"));
        assert_eq!(closest("snyc", &targets), Some("sync"));
        assert_eq!(closest("banana", &targets), None);
        let options = ["on_iter", "on_end", "on_error"];
        assert_eq!(closest("on_ned", &options), Some("on_end"));
        assert_eq!(closest("on_err", &options), Some("on_error"));
    }

    #[test]
    fn lists() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }

    #[test]
    fn errors_combine() {
        let mut errs = Errors::new();
        assert!(errs.is_empty());
        errs.at(Span::call_site(), "first");
        errs.at(Span::call_site(), "second");
        let err = errs.finish().unwrap_err();
        assert_eq!(err.into_iter().count(), 2);
    }
}
