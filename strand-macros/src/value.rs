//! What the written return type says about a task's value, for both
//! attributes: the value and error types of a fallible function, and the
//! `fallible = true` check.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};

use crate::error::Errors;
use crate::hygiene;
use crate::item::{
    ResultShape, TaskFn, certainly_not_result, contains_impl, result_shape, type_text,
};

/// `fallible = true` on a return type that is certainly not a `Result` (a
/// tuple, a primitive, a well-known std type) is reported here, once, and
/// the option dropped; other types are checked by the compiler through
/// `Fallible`. Shared by both attributes.
pub(crate) fn check_fallible(
    fallible: &mut Option<(bool, Span)>,
    func: &TaskFn,
    errs: &mut Errors,
) {
    let Some((true, key)) = *fallible else {
        return;
    };
    let message = |text: &str| {
        format!(
            "`fallible = true` needs a function that returns a `Result`, but `{text}` is not one; remove `fallible = true`, or return `Result<T, E>`"
        )
    };
    match func.return_type() {
        None => errs.at(key, message("()")),
        Some(ty) if certainly_not_result(ty) => {
            errs.spanned(ty, message(&type_text(ty)));
        }
        Some(_) => return,
    }
    *fallible = None;
}

/// What a rewrite needs to know about the function's value, read from its
/// written return type. Shared by both attributes.
pub(crate) struct TaskValue {
    /// The return type as written (`()` when there is none).
    pub(crate) ret: TokenStream,
    /// Where checks against the return type are underlined: its first token
    /// (or the caller's fallback when there is no return type).
    pub(crate) span: Span,
    /// Whether `T` and `E` are projections through `Fallible` (the return
    /// type is not written `Result<T, E>`).
    pub(crate) projected: bool,
    /// Whether the return type contains `impl Trait` (then it cannot be named
    /// in the wrapper's checks).
    pub(crate) opaque: bool,
    /// `Some((T, E))` when the function is fallible.
    pub(crate) fallible: Option<(TokenStream, TokenStream)>,
}

impl TaskValue {
    /// `fallible` is the `fallible = ...` option, when given; `fallback` the
    /// span of checks when the function has no return type.
    pub(crate) fn new(
        func: &TaskFn,
        fallible: Option<bool>,
        fallback: Span,
        private: &TokenStream,
    ) -> TaskValue {
        let ret_ty = func.return_type();
        let span = ret_ty.map_or(fallback, |ty| hygiene::first_span(ty, fallback));
        let ret = match ret_ty {
            Some(ty) => ty.to_token_stream(),
            None => quote_spanned!(span=> ()),
        };
        let shape = ret_ty.map_or(ResultShape::NotResult, result_shape);
        let detected = !matches!(shape, ResultShape::NotResult);
        let is_fallible = fallible.unwrap_or(detected);
        let projected = is_fallible && !matches!(shape, ResultShape::Explicit(..));
        // Projections are spanned at one token so that their errors merge
        // with the same error from the runtime's own check.
        let fallible = is_fallible.then(|| match shape {
            ResultShape::Explicit(ok, err) => (ok.to_token_stream(), err.to_token_stream()),
            _ => (
                hygiene::respan(quote!(<#ret as #private::Fallible>::Ok), span),
                hygiene::respan(quote!(<#ret as #private::Fallible>::Err), span),
            ),
        });
        TaskValue {
            opaque: ret_ty.is_some_and(contains_impl),
            ret,
            span,
            projected,
            fallible,
        }
    }

    /// The type the body produces: `T` of a fallible function.
    pub(crate) fn produced(&self) -> &TokenStream {
        match &self.fallible {
            Some((ok, _)) => ok,
            None => &self.ret,
        }
    }
}
