//! `#[as_task]`: parse the arguments, model the function, validate the two
//! together, then expand (thiserror's pipeline).

pub(crate) mod args;
mod expand;
mod store;
#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;

use crate::error::{self, Errors};
use crate::item::{self, TaskFn};
use crate::value;
use args::{AsTaskArgs, Target};

/// Expands `#[as_task(args)] item`.
///
/// - An item that no target can rewrite (not a function, `async`, `const`,
///   an ABI, a `self` receiver...), or an `unsafe fn` on any target but
///   `sync`, gives its errors plus the item unchanged: nothing wraps or
///   registers it.
/// - Bad arguments give their errors plus the rewrite built from what did
///   parse, so that call sites still type-check and nothing cascades.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errs = Errors::new();
    let mut args = AsTaskArgs::parse(args, &mut errs);
    let func = match TaskFn::from_tokens(item.clone()) {
        Ok(func) => func,
        Err(err) => {
            errs.push(err);
            return unsupported(errs, item);
        }
    };
    let mut item_errs = Errors::new();
    func.check_supported(args.target.name(), &mut item_errs);
    check_return(&func, &mut item_errs);
    if !item_errs.is_empty() {
        errs.absorb(item_errs);
        return unsupported(errs, item);
    }
    item_errs.finish().expect("checked empty above");
    check_process(&mut args, &func, &mut errs);
    let strand_au = check_store(&mut args, &func, &mut errs);
    check_arguments(&mut args, &func, &mut errs);
    value::check_fallible(&mut args.fallible, &func, &mut errs);
    args.on_stream = args.target == Target::Coroutine
        && args.on_iter.is_some()
        && func.return_type().is_some_and(expand::names_stream);
    let out = match strand_au {
        Some(strand_au) => store::expand(&args, &func, &strand_au),
        None => expand::expand(&args, &func),
    };
    match errs.into_error() {
        Some(err) => {
            let mut tokens = err.into_compile_error();
            tokens.extend(out);
            tokens
        }
        None => out,
    }
}

fn unsupported(errs: Errors, item: TokenStream) -> TokenStream {
    match errs.into_error() {
        Some(err) => error::with_item(err, item),
        None => item,
    }
}

/// A task's value outlives the call, so it cannot borrow.
fn check_return(func: &TaskFn, errs: &mut Errors) {
    let Some(ty) = func.return_type() else {
        return;
    };
    if item::borrow_in(ty).is_some() {
        errs.spanned(
            ty,
            format!(
                "a task's value must be owned: `{}` borrows from the arguments; return {} instead",
                item::type_text(ty),
                item::owned_suggestion(ty)
            ),
        );
    }
}

/// A `process` task is found by name in another process: it has one
/// instance, and names every type it sends. After an error the rewrite uses
/// the `sync` target, so call sites still type-check.
fn check_process(args: &mut AsTaskArgs, func: &TaskFn, errs: &mut Errors) {
    if args.target != Target::Process {
        return;
    }
    let mut found = Errors::new();
    let errs_out = errs;
    let errs = &mut found;
    if !func.sig.generics.params.is_empty() {
        errs.spanned(
            &func.sig.generics,
            "`process` tasks cannot be generic: the child process finds the function by its name, and a generic function has no single instance to register; give it concrete types (it may call a generic function)",
        );
    }
    for arg in &func.args {
        if item::contains_impl(&arg.ty) {
            errs.spanned(
                &arg.ty,
                format!(
                    "`process` tasks take concrete argument types: `{}` cannot be decoded in the child process; name the type",
                    item::type_text(&arg.ty)
                ),
            );
        }
    }
    if let Some(ty) = func.return_type().filter(|ty| item::contains_impl(ty)) {
        errs.spanned(
            ty,
            format!(
                "`process` tasks return a concrete type: `{}` cannot be decoded in the parent; name the type (for `on_iter`, a `Vec` of the items)",
                item::type_text(ty)
            ),
        );
    }
    if !found.is_empty() {
        args.target = Target::Sync;
        args.binary = None;
    }
    errs_out.absorb(found);
}

/// `thread` and `pool` tasks outlive the call, so their arguments cannot
/// borrow. After an error the rewrite uses the `sync` target, which accepts
/// borrowed arguments, so call sites still type-check.
fn check_arguments(args: &mut AsTaskArgs, func: &TaskFn, errs: &mut Errors) {
    if !args.target.crosses_threads() {
        return;
    }
    let mut borrowed = false;
    for arg in &func.args {
        if item::borrow_in(&arg.ty).is_some() {
            borrowed = true;
            errs.spanned(
                &arg.ty,
                format!(
                    "`{}` tasks take owned arguments: `{}` borrows from the caller; take {} instead",
                    args.target.name(),
                    item::type_text(&arg.ty),
                    item::owned_suggestion(&arg.ty)
                ),
            );
        }
    }
    if borrowed {
        args.target = Target::Sync;
        args.pool = None;
        args.binary = None;
    }
}

/// A `store` task is found by its name in a worker process, which decodes
/// its arguments from the store: it has one instance, owns its arguments,
/// and names every type it sends. Its runtime is strand-au's. Gives the path
/// of strand-au when the task can be rewritten as one; after an error the
/// rewrite uses the `sync` target, so call sites still type-check.
fn check_store(args: &mut AsTaskArgs, func: &TaskFn, errs: &mut Errors) -> Option<TokenStream> {
    if args.target != Target::Store {
        return None;
    }
    let mut found = Errors::new();
    if !func.sig.generics.params.is_empty() {
        found.spanned(
            &func.sig.generics,
            "`store` tasks cannot be generic: a worker finds the function by its name and decodes its arguments from the store, so a generic function has no single instance to run; give it concrete types (it may call a generic function)",
        );
    }
    for arg in &func.args {
        if item::contains_impl(&arg.ty) {
            found.spanned(
                &arg.ty,
                format!(
                    "`store` tasks take concrete argument types: `{}` cannot be decoded by the worker that runs the task; name the type",
                    item::type_text(&arg.ty)
                ),
            );
        } else if item::borrow_in(&arg.ty).is_some() {
            found.spanned(
                &arg.ty,
                format!(
                    "`store` tasks take owned arguments: they are written into the store for a worker to read, so `{}` cannot borrow from the caller; take {} instead",
                    item::type_text(&arg.ty),
                    item::owned_suggestion(&arg.ty)
                ),
            );
        }
    }
    if let Some(ty) = func.return_type().filter(|ty| item::contains_impl(ty)) {
        found.spanned(
            ty,
            format!(
                "`store` tasks return a concrete type: `{}` cannot be stored and decoded by the handle; name the type (`Vec<T>` instead of `impl Iterator<Item = T>`)",
                item::type_text(ty)
            ),
        );
    }
    let strand_au = crate::hygiene::strand_au_path();
    if strand_au.is_none() {
        let span = args
            .target_span
            .unwrap_or_else(proc_macro2::Span::call_site);
        found.at(
            span,
            "the `store` target needs the strand-au crate, which holds the stores and their workers: add `strand-au` to [dependencies]",
        );
    }
    if !found.is_empty() {
        args.target = Target::Sync;
        args.store = None;
        args.queue = None;
        errs.absorb(found);
        return None;
    }
    found.finish().expect("checked empty above");
    strand_au
}
