//! The rewrite of a `store` task: a call writes the task into a queue of a
//! store, and a worker process that reads that queue runs it, finding the
//! function by its registered name. Everything it names is strand-au's
//! (`::strand_au::__private`), found in the user's Cargo.toml.
//!
//! ```text
//! // Input:
//! #[as_task(store = STORE, queue = "mail", on_end = log)]
//! pub fn send(to: String, n: u32) -> Result<u32, MyErr> { ... }
//! // Output (P = ::strand_au::__private):
//! pub fn send(to: String, n: u32) -> ::strand::TaskHandle<u32, MyErr> {
//!     (__strand_store_send::<String, u32, u32, MyErr>().1)(&__STRAND_STORE_TASK_send, to, n)
//! }
//! fn __strand_store_send<A0: StoreArg, A1: StoreArg, T: StoreValue, E: StoreFailure>() -> (
//!     fn(name, store, queue, on_end) -> StoreTaskWriter<(A0, A1), T, E>,   // new
//!     fn(&StoreTaskWriter<..>, A0, A1) -> TaskHandle<T, E>,                  // call
//!     fn(&StoreTaskWriter<..>, &str) -> TaskHandle<T, E>,                    // handle
//!     fn(Value, fn(A0, A1) -> Result<T, E>, fn(&E) -> Option<String>)      // run
//!         -> Result<Value, ComputationFailure>,
//! ) { ... }
//! static __STRAND_STORE_TASK_send: LazyLock<StoreTaskWriter<(String, u32), u32, MyErr>> =
//!     LazyLock::new(|| (__strand_store_send::<..>().0)(NAME, into_store(STORE), "mail", Box::new(log)));
//! fn __strand_run_send(input: Value) -> Result<Value, ComputationFailure> {
//!     fn __strand_body_send(to: String, n: u32) -> Result<u32, MyErr> { ... }
//!     (__strand_store_send::<..>().3)(input, __strand_body_send, |e| /* its `Display`, if any */)
//! }
//! #[distributed_slice(PROCESS_FUNCTIONS)]   // strand's one registry
//! static __STRAND_PROCESS_ENTRY_send: ProcessEntry =
//!     ProcessEntry::with_local(NAME, ORIGIN, __strand_process_send, &__STRAND_RUNNER_send);
//! pub enum send {}
//! impl send { pub fn handle(key: &str) -> TaskHandle<u32, MyErr>; pub fn name() -> &'static str }
//! ```
//!
//! One generic function, `__strand_store_<name>`, states every bound on the
//! user's types: its turbofish names the argument types, the value and the
//! error as written, where rustc reports a type that is not a serde type,
//! with strand-au's message. Every site calls it with the same tokens, so
//! rustc's reports are identical and printed once; what the sites run are
//! function pointers instantiated inside it, which report nothing again.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;

use super::args::AsTaskArgs;
use crate::hygiene::{self, CratePath};
use crate::item::TaskFn;
use crate::registry;
use crate::value::TaskValue;

/// The names generated for one function.
struct Names {
    helper: Ident,
    writer: Ident,
    run: Ident,
    plain: String,
}

impl Names {
    fn new(ident: &Ident) -> Names {
        let bare = ident.unraw();
        Names {
            helper: format_ident!("__strand_store_{}", bare),
            writer: format_ident!("__STRAND_STORE_TASK_{}", bare),
            run: format_ident!("__strand_run_{}", bare),
            plain: hygiene::plain_name(ident),
        }
    }
}

/// What every part of the rewrite shares.
struct Ctx<'a> {
    args: &'a AsTaskArgs,
    func: &'a TaskFn,
    value: TaskValue,
    krate: CratePath,
    /// `<strand_au>::__private`.
    au: TokenStream,
    names: Names,
    /// The registered name.
    name: TokenStream,
    /// `__strand_store_f::<A0, A1, T, E>()`: the types as written.
    instance: TokenStream,
}

/// The rewritten function, its hidden writer, runner and registration, and
/// its companion.
pub(super) fn expand(args: &AsTaskArgs, func: &TaskFn, strand_au: &TokenStream) -> TokenStream {
    let krate = CratePath::new(args.krate.as_ref().map(|(path, _)| path));
    let fallback = match &args.fallible {
        Some((_, span)) => *span,
        None => func.sig.ident.span(),
    };
    let value = TaskValue::new(func, args.fallible.map(|f| f.0), fallback, &krate.private());
    let names = Names::new(&func.sig.ident);
    let name = match &args.name {
        Some((lit, _)) => lit.to_token_stream(),
        None => {
            let plain = &names.plain;
            quote!(::core::concat!(::core::module_path!(), "::", #plain))
        }
    };
    let mut types: Vec<TokenStream> = func.args.iter().map(|a| a.ty.to_token_stream()).collect();
    match &value.fallible {
        Some((ok, err)) => {
            types.push(ok.clone());
            types.push(err.clone());
        }
        None => types.push(value.ret.clone()),
    }
    let helper = &names.helper;
    let instance = quote!(#helper::<#(#types),*>());
    let ctx = Ctx {
        args,
        func,
        value,
        krate,
        au: quote!(#strand_au::__private),
        names,
        name,
        instance,
    };
    let wrapper = wrapper(&ctx);
    let helper = helper_fn(&ctx);
    let writer = writer_static(&ctx);
    let run = runner(&ctx);
    let companion = companion(&ctx);
    quote! {
        #wrapper
        #helper
        #writer
        #run
        #companion
    }
}

/// `::strand::TaskHandle<T>` or `<T, E>`, as the function now returns.
fn handle_type(ctx: &Ctx<'_>) -> TokenStream {
    let task_handle = ctx.krate.item("TaskHandle");
    let produced = ctx.value.produced();
    let handle = match &ctx.value.fallible {
        Some((_, err)) => quote!(#task_handle<#produced, #err>),
        None => quote!(#task_handle<#produced>),
    };
    if ctx.value.projected {
        hygiene::respan(handle, ctx.value.span)
    } else {
        handle
    }
}

// Input:  #[doc] pub fn f(a: A, (b, c): B) -> R { body }
// Output: #[doc] #[doc = "# Task ..."] pub fn f(a: A, __arg1: B) -> TaskHandle<R> {
//             (__strand_store_f::<A, B, R>().1)(&__STRAND_STORE_TASK_f, a, __arg1)
//         }
/// The public function: writes the task and returns its handle.
fn wrapper(ctx: &Ctx<'_>) -> TokenStream {
    let func = ctx.func;
    let attrs = &func.attrs;
    let docs = docs(ctx);
    let vis = &func.vis;
    let fn_token = &func.sig.fn_token;
    let ident = &func.sig.ident;
    let bindings: Vec<&Ident> = func.args.iter().map(|a| &a.binding).collect();
    let types = func.args.iter().map(|a| &a.ty);
    let handle = handle_type(ctx);
    let instance = &ctx.instance;
    let writer = &ctx.names.writer;
    let mut checks = TokenStream::new();
    if ctx.value.projected && ctx.args.fallible.is_some() {
        let private = ctx.krate.private();
        let ret = &ctx.value.ret;
        checks = hygiene::respan(quote!(#private::assert_fallible::<#ret>();), ctx.value.span);
    }
    let mut body = Group::new(
        Delimiter::Brace,
        quote! {
            #checks
            (#instance.1)(&#writer #(, #bindings)*)
        },
    );
    body.set_span(func.body_span);
    quote! {
        #(#attrs)*
        #docs
        #vis #fn_token #ident(#(#bindings: #types),*) -> #handle #body
    }
}

/// The generic function that states the bounds (see the module docs).
fn helper_fn(ctx: &Ctx<'_>) -> TokenStream {
    let au = &ctx.au;
    let strand = quote!(#au::strand);
    let count = ctx.func.args.len();
    let params: Vec<Ident> = (0..count)
        .map(|i| format_ident!("__StrandA{}", i))
        .collect();
    let locals: Vec<Ident> = (0..count)
        .map(|i| hygiene::local(&format!("__strand_a{i}")))
        .collect();
    let t = format_ident!("__StrandT");
    let (e, e_param, body_ret) = match &ctx.value.fallible {
        Some(_) => {
            let e = format_ident!("__StrandE");
            let param = quote!(#e: #au::StoreFailure,);
            let ret = quote!(::core::result::Result<#t, #e>);
            (quote!(#e), param, ret)
        }
        None => (
            quote!(::core::convert::Infallible),
            TokenStream::new(),
            quote!(#t),
        ),
    };
    let args_ty = quote!((#(#params,)*));
    let writer_ty = quote!(#au::StoreTaskWriter<#args_ty, #t, #e>);
    let handle_ty = quote!(#strand::TaskHandle<#t, #e>);

    // The builder: name, store, then the options that were given.
    let name = hygiene::local("__strand_name");
    let store = hygiene::local("__strand_store");
    let mut new_params = vec![
        quote!(&'static str),
        quote!(#au::Arc<dyn #au::ComputationStore>),
    ];
    let mut new_locals = vec![name.clone(), store.clone()];
    let mut new_steps = TokenStream::new();
    if ctx.args.queue.is_some() {
        let queue = hygiene::local("__strand_queue");
        new_params.push(quote!(&'static str));
        new_steps.extend(quote!(.queue(#queue)));
        new_locals.push(queue);
    }
    if ctx.args.on_end.is_some() {
        let on_end = hygiene::local("__strand_on_end");
        new_params.push(quote!(
            ::std::boxed::Box<dyn ::core::ops::Fn(&#t) + ::core::marker::Send + ::core::marker::Sync>
        ));
        new_steps.extend(quote!(.on_end(#on_end)));
        new_locals.push(on_end);
    }
    if ctx.args.on_error.is_some() {
        let on_error = hygiene::local("__strand_on_error");
        new_params.push(quote!(
            ::std::boxed::Box<dyn ::core::ops::Fn(&#strand::JoinError<#e>) + ::core::marker::Send + ::core::marker::Sync>
        ));
        new_steps.extend(quote!(.on_error(#on_error)));
        new_locals.push(on_error);
    }

    let writer = hygiene::local("__strand_writer");
    let key = hygiene::local("__strand_key");
    let input = hygiene::local("__strand_input");
    let body = hygiene::local("__strand_body");
    let message = hygiene::local("__strand_message");
    let error = hygiene::local("__strand_error");
    let value = hygiene::local("__strand_value");
    let value_ty = quote!(#au::Value);
    let failure_ty = quote!(#au::ComputationFailure);
    let (run_ty, run) = match &ctx.value.fallible {
        Some(_) => (
            quote!(fn(#value_ty, fn(#(#params),*) -> #body_ret, fn(&#e) -> ::core::option::Option<::std::string::String>)
                -> ::core::result::Result<#value_ty, #failure_ty>),
            quote!(|#input, #body, #message| {
                let (#(#locals,)*) = #au::decode_args::<#args_ty>(#input)?;
                match #body(#(#locals),*) {
                    ::core::result::Result::Ok(#value) => #au::encode_value::<#t>(&#value),
                    ::core::result::Result::Err(#error) => {
                        let #message = #message(&#error);
                        ::core::result::Result::Err(#au::store_failure::<#e>(&#error, #message))
                    }
                }
            }),
        ),
        None => (
            quote!(fn(#value_ty, fn(#(#params),*) -> #body_ret)
                -> ::core::result::Result<#value_ty, #failure_ty>),
            quote!(|#input, #body| {
                let (#(#locals,)*) = #au::decode_args::<#args_ty>(#input)?;
                #au::encode_value::<#t>(&#body(#(#locals),*))
            }),
        ),
    };
    // A fallible function's errors come back typed: `.fallible::<E>()`.
    let fallible = match &ctx.value.fallible {
        Some(_) => quote!(.fallible::<#e>()),
        None => TokenStream::new(),
    };
    let helper = &ctx.names.helper;
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, clippy::type_complexity, clippy::too_many_arguments)]
        fn #helper<#(#params: #au::StoreArg,)* #t: #au::StoreValue, #e_param>() -> (
            fn(#(#new_params),*) -> #writer_ty,
            fn(&#writer_ty #(, #params)*) -> #handle_ty,
            fn(&#writer_ty, &str) -> #handle_ty,
            #run_ty,
        ) {
            (
                |#(#new_locals),*| #au::StoreTaskWriter::new(#name, #store) #fallible #new_steps,
                |#writer #(, #locals)*| #writer.call((#(#locals,)*)),
                |#writer, #key| #writer.handle(#key),
                #run,
            )
        }
    }
}

// Output: static __STRAND_STORE_TASK_f: LazyLock<StoreTaskWriter<(A, B), T, E>> =
//             LazyLock::new(|| (__strand_store_f::<A, B, T, E>().0)(NAME, into_store(STORE), ...));
/// The writer, built on first use: its store is evaluated then.
fn writer_static(ctx: &Ctx<'_>) -> TokenStream {
    let au = &ctx.au;
    let args = ctx.args;
    let arg_types = ctx.func.args.iter().map(|a| &a.ty);
    let (t, e) = match &ctx.value.fallible {
        Some((ok, err)) => (ok.clone(), err.clone()),
        None => (ctx.value.ret.clone(), quote!(::core::convert::Infallible)),
    };
    let writer_ty = quote!(#au::StoreTaskWriter<(#(#arg_types,)*), #t, #e>);
    let name = &ctx.name;
    let store = match &args.store {
        Some(expr) => quote_spanned!(expr.span()=> #au::into_store(#expr)),
        None => {
            let span = args.target_span.unwrap_or_else(Span::call_site);
            quote_spanned!(span=> #au::Computation::default_store())
        }
    };
    let mut values = vec![name.clone(), store];
    if let Some((lit, _)) = &args.queue {
        values.push(lit.to_token_stream());
    }
    for (expr, _) in [&args.on_end, &args.on_error].into_iter().flatten() {
        values.push(quote_spanned!(expr.span()=> ::std::boxed::Box::new(#expr)));
    }
    let writer = &ctx.names.writer;
    let instance = &ctx.instance;
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        static #writer: #au::LazyLock<#writer_ty> =
            #au::LazyLock::new(|| (#instance.0)(#(#values),*));
    }
}

// Output: fn __strand_run_f(input: Value) -> Result<Value, ComputationFailure> {
//             fn __strand_body_f(a: A, (b, c): B) -> R { body }
//             (__strand_store_f::<A, B, R>().3)(input, __strand_body_f)
//         }
//         + its entry in strand's registry, as `#[async_compute]` adds one
/// The runner a worker finds by the registered name, and its registration.
fn runner(ctx: &Ctx<'_>) -> TokenStream {
    let au = &ctx.au;
    let Names { run, plain, .. } = &ctx.names;
    let entry = registry::registry_entry(au, &ctx.name, plain, run);
    let input = hygiene::local("__strand_input");
    let body_fn = body_fn(ctx.func);
    let body = hygiene::body_ident(&ctx.func.sig.ident);
    let instance = &ctx.instance;
    let message = match &ctx.value.fallible {
        // The error's message is its `Display` when it has one (a choice
        // made where its type is concrete: see `ErrorMessage`).
        Some(_) => {
            let error = hygiene::local("__strand_error");
            quote!(, |#error| {
                #[allow(unused_imports)]
                use #au::{DisplayMessage as _, NoMessage as _};
                (&#au::ErrorMessage(#error)).message()
            })
        }
        None => TokenStream::new(),
    };
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case)]
        fn #run(
            #input: #au::Value,
        ) -> ::core::result::Result<#au::Value, #au::ComputationFailure> {
            #body_fn
            (#instance.3)(#input, #body #message)
        }

        #entry
    }
}

// Input:  #[allow(x)] #[inline] fn f(mut a: A) -> R { body }
// Output: #[allow(x)] #[allow(non_snake_case, ...)] fn __strand_body_f(mut a: A) -> R { body }
/// The user's function, unchanged but for its name, nested in the runner
/// (with only the user's own `allow`s).
fn body_fn(func: &TaskFn) -> TokenStream {
    let mut sig = func.sig.clone();
    sig.ident = hygiene::body_ident(&sig.ident);
    let allows = func.allow_attrs();
    let body = &func.body;
    quote! {
        #(#allows)*
        #[allow(non_snake_case, clippy::missing_const_for_fn, clippy::needless_pass_by_value)]
        #sig #body
    }
}

// Output: pub enum f {}
//         impl f { pub fn handle(key: &str) -> TaskHandle<T, E>; pub fn name() -> &'static str }
/// The companion named after the function, as `#[async_compute]`'s: an
/// uninhabited enum (types and functions live in different namespaces)
/// whose associated functions read like a module's, `f::handle(key)`, and
/// see every name the function sees (a module's items would not see the
/// items of a function body the function is declared in).
fn companion(ctx: &Ctx<'_>) -> TokenStream {
    let vis = &ctx.func.vis;
    let ident = &ctx.func.sig.ident;
    let plain = &ctx.names.plain;
    let handle = handle_type(ctx);
    let instance = &ctx.instance;
    let writer = &ctx.names.writer;
    let name = &ctx.name;
    let doc = format!(
        " The task [`{plain}`](fn@{plain}) seen from elsewhere: a handle on one of its tasks from its key (`{plain}::handle(key)`), and the name workers find it by."
    );
    quote! {
        #[doc = #doc]
        #[allow(non_camel_case_types, dead_code, clippy::empty_enum)]
        #vis enum #ident {}

        #[allow(dead_code, unreachable_pub)]
        impl #ident {
            /// A handle on the task `key` (from `TaskHandle::key`, sent to
            /// a client, say): it completes when a worker has run the task.
            #[must_use]
            #vis fn handle(key: &str) -> #handle {
                (#instance.2)(&#writer, key)
            }

            /// The name the function is registered under: what a worker
            /// looks up to run its tasks.
            #[must_use]
            #vis fn name() -> &'static str {
                #name
            }
        }
    }
}

/// The generated `# Task` paragraph that follows the user's own docs (only
/// when there are some, so that `missing_docs` still fires).
fn docs(ctx: &Ctx<'_>) -> TokenStream {
    if !ctx.func.has_docs() {
        return TokenStream::new();
    }
    let args = ctx.args;
    let plain = &ctx.names.plain;
    let handle = format!("[`TaskHandle`]({})", ctx.krate.doc_path("TaskHandle"));
    let store = if args.store.is_some() {
        "the store given by `store = ...`"
    } else {
        "strand-au's default store"
    };
    let queue = match &args.queue {
        Some((lit, _)) => format!("`{}`", lit.value()),
        None => "`default`".to_owned(),
    };
    let mut lines = vec![
        String::new(),
        "# Task".to_owned(),
        String::new(),
        format!(
            "Written into the queue {queue} of {store}; a worker process that reads it (strand-au's `StoreTaskReader`) runs the body, at least once, and finds it by its registered name. Returns a {handle} at once; dropping it leaves the task queued, and `{plain}::handle(key)` rebuilds it from its key. Arguments and value are serde types."
        ),
    ];
    lines.push(if ctx.value.fallible.is_some() {
        format!(
            "`join()` returns the `Ok` value; an `Err` fails the task (see [`JoinError::failure`]({})).",
            ctx.krate.doc_path("JoinError::failure")
        )
    } else {
        "`join()` returns the function's value.".to_owned()
    });
    if args.on_end.is_some() || args.on_error.is_some() {
        lines.push(
            "`on_end` and `on_error` run in this process, where the handle is, while this process lives.".to_owned(),
        );
    }
    hygiene::doc_attrs(&lines)
}
