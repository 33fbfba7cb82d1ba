//! `#[async_compute]`: parse the arguments, model the function, validate the
//! two together, then expand (the same pipeline as `#[as_task]`).

pub(crate) mod args;
mod expand;
#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{FnArg, GenericParam};

use crate::error::{self, Errors};
use crate::item::{self, TaskFn};
use crate::value::{self, TaskValue};
use args::AsyncComputeArgs;

/// Expands `#[async_compute(args)] item`.
///
/// - Not a function, or a method with a `self` receiver: the errors plus the
///   item unchanged.
/// - A function that cannot be a computation (`unsafe`, `const`, generic,
///   an ABI, borrowed arguments...): the errors plus the function with its
///   rewritten signature and a panicking body, so that call sites still
///   type-check and report nothing of their own; nothing is registered and
///   the user's body is dropped.
/// - Bad arguments: their errors plus the rewrite built from what did
///   parse.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errs = Errors::new();
    let args = AsyncComputeArgs::parse(args, &mut errs);
    let func = match TaskFn::from_tokens(item.clone()) {
        Ok(func) => func,
        Err(err) => {
            errs.push(syn::Error::new(
                err.span(),
                err.to_string().replace("#[as_task]", "#[async_compute]"),
            ));
            return unsupported(errs, item);
        }
    };
    let mut item_errs = Errors::new();
    if check_receiver(&func, &mut item_errs) {
        errs.absorb(item_errs);
        return unsupported(errs, item);
    }
    check_signature(&func, &mut item_errs);
    if !item_errs.is_empty() && func.return_type().is_some_and(item::contains_impl) {
        // A handle of an opaque type cannot be named: the item unchanged.
        errs.absorb(item_errs);
        return unsupported(errs, item);
    }
    if !item_errs.is_empty() {
        errs.absorb(item_errs);
        let krate = args.krate.as_ref().map(|(p, _)| p);
        let private = crate::hygiene::CratePath::or_default(krate, "strand_au").private();
        let value = TaskValue::new(
            &func,
            args.fallible.map(|f| f.0),
            func.sig.ident.span(),
            &private,
        );
        let stub = expand::stub(&func, krate, &value);
        return match errs.into_error() {
            Some(err) => error::with_item(err, stub),
            None => stub,
        };
    }
    item_errs.finish().expect("checked empty above");
    let mut args = args;
    value::check_fallible(&mut args.fallible, &func, &mut errs);
    let out = expand::expand(&args, &func);
    match errs.into_error() {
        Some(err) => error::with_item(err, out),
        None => out,
    }
}

fn unsupported(errs: Errors, item: TokenStream) -> TokenStream {
    match errs.into_error() {
        Some(err) => error::with_item(err, item),
        None => item,
    }
}

/// A `self` receiver: the function lives in an `impl` block, where neither
/// the hidden items nor the companion module can go. True if reported.
fn check_receiver(func: &TaskFn, errs: &mut Errors) -> bool {
    let mut found = false;
    for arg in &func.sig.inputs {
        if let FnArg::Receiver(receiver) = arg {
            found = true;
            errs.spanned(
                receiver,
                "`#[async_compute]` cannot apply to a method: the receiver would have to be stored with the job; make it a free function that takes the value as a serde argument",
            );
        }
    }
    found
}

/// Everything about the signature that a computation cannot have, each at
/// its own token.
fn check_signature(func: &TaskFn, errs: &mut Errors) {
    let sig = &func.sig;
    if let Some(constness) = &sig.constness {
        errs.spanned(
            constness,
            "`#[async_compute]` cannot apply to a `const fn`: launching a computation is not a constant operation; remove `const`",
        );
    }
    // Registered by name, a computation can be run by safe code with any
    // argument values (`strand_au::lookup(name)`), whatever the backend.
    if let Some(unsafety) = func.unsafety() {
        errs.spanned(
            unsafety,
            "`#[async_compute]` cannot apply to an `unsafe fn`: a computation is registered by name, and safe code can run it by that name with any argument values; make the function safe, with an `unsafe` block inside whose conditions it checks itself",
        );
    }
    if let Some(abi) = &sig.abi {
        errs.spanned(
            abi,
            "`#[async_compute]` functions cannot have an explicit ABI; remove it, and launch the computation from a separate `extern` fn if foreign code must start it",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errs.spanned(
            variadic,
            "`#[async_compute]` functions cannot be variadic; take a `Vec` of the arguments instead",
        );
    }
    let params = &sig.generics.params;
    if params
        .iter()
        .any(|p| !matches!(p, GenericParam::Lifetime(_)))
    {
        errs.spanned(
            &sig.generics,
            "`#[async_compute]` functions cannot be generic: a computation is registered under one name, so its argument and result types must be concrete; write one decorated function per type (each calling a generic helper)",
        );
    } else if let Some(param) = params.first() {
        errs.spanned(
            param,
            "`#[async_compute]` functions cannot have lifetime parameters: arguments are stored with the job, so they must be owned; remove the lifetime and take owned types",
        );
    }
    for arg in &func.sig.inputs {
        if let FnArg::Typed(pt) = arg {
            if let Some(attr) = pt.attrs.first() {
                errs.spanned(
                    attr,
                    "`#[async_compute]` does not support attributes on arguments; remove this attribute",
                );
            }
        }
    }
    for arg in &func.args {
        if item::contains_impl(&arg.ty) {
            errs.spanned(
                &arg.ty,
                format!(
                    "`#[async_compute]` arguments must have concrete types: `{}` stands for many types, and a computation is registered with one signature; take a concrete serde type",
                    item::type_text(&arg.ty)
                ),
            );
        } else if item::borrow_in(&arg.ty).is_some() {
            errs.spanned(
                &arg.ty,
                format!(
                    "`#[async_compute]` arguments are stored with the job, so they must be owned: `{}` borrows from the caller; take {} instead",
                    item::type_text(&arg.ty),
                    item::owned_suggestion(&arg.ty)
                ),
            );
        }
    }
    if let Some(ty) = func.return_type() {
        if item::contains_impl(ty) {
            errs.spanned(
                ty,
                format!(
                    "the value of an `#[async_compute]` function is stored, so it needs a concrete serde type: `{}` cannot be named; return a concrete type (`Vec<T>` instead of `impl Iterator<Item = T>`)",
                    item::type_text(ty)
                ),
            );
        } else if item::borrow_in(ty).is_some() {
            errs.spanned(
                ty,
                format!(
                    "the value of an `#[async_compute]` function is stored, so it must be owned: `{}` borrows; return {} instead",
                    item::type_text(ty),
                    item::owned_suggestion(ty)
                ),
            );
        }
    }
    if errs.is_empty() {
        if let Some(span) = first_self(sig.to_token_stream()) {
            errs.at(
                span,
                "`#[async_compute]` cannot apply to an associated function: write it as a free function, outside the `impl` block",
            );
        }
    }
}

fn first_self(tokens: TokenStream) -> Option<proc_macro2::Span> {
    for tt in tokens {
        match tt {
            proc_macro2::TokenTree::Ident(ident) if ident == "Self" => return Some(ident.span()),
            proc_macro2::TokenTree::Group(group) => {
                if let Some(span) = first_self(group.stream()) {
                    return Some(span);
                }
            }
            _ => {}
        }
    }
    None
}
