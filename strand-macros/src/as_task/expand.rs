//! The rewrite of a task function (see the crate docs, "Equivalent code").
//!
//! ```text
//! // Input:
//! #[as_task(thread, on_end = log)]
//! pub fn f(a: u32, (b, c): (u8, u8)) -> u64 { ... }
//! // Output:
//! pub fn f(a: u32, __arg1: (u8, u8)) -> ::strand::TaskHandle<u64> {
//!     fn __strand_body_f(a: u32, (b, c): (u8, u8)) -> u64 { ... }
//!     ::strand::__private::assert_send_arg(&a);       // at `u32`
//!     ::strand::__private::assert_send_arg(&__arg1);  // at `(u8, u8)`
//!     ::strand::__private::assert_send_output::<u64>(); // at `u64`
//!     ::strand::__private::ThreadTaskrunner::new(__strand_body_f)
//!         .on_end(log)
//!         .name(::core::concat!(::core::module_path!(), "::", "f"))
//!         .call((a, __arg1))
//! }
//! ```

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;

use super::args::{AsTaskArgs, Target};
use crate::hygiene::{self, CratePath};
use crate::item::{self, TaskFn};
use crate::value::TaskValue;

/// The rewritten function.
pub(crate) fn expand(args: &AsTaskArgs, func: &TaskFn) -> TokenStream {
    let krate = CratePath::new(args.krate.as_ref().map(|(path, _)| path));
    let private = krate.private();
    // Checks against a missing return type point at the option that needs one.
    let fallback = match (&args.fallible, &args.on_iter) {
        (Some((_, span)), _) | (None, Some((_, span))) => *span,
        (None, None) => func.sig.ident.span(),
    };
    let value = TaskValue::new(func, args.fallible.map(|f| f.0), fallback, &private);

    let task_handle = krate.item("TaskHandle");
    let joined = if args.on_iter.is_some() {
        quote!(usize)
    } else {
        value.produced().clone()
    };
    let mut handle = match &value.fallible {
        Some((_, err)) => quote!(#task_handle<#joined, #err>),
        None => quote!(#task_handle<#joined>),
    };
    if value.projected {
        // Errors about the projections land on the return type, once.
        handle = hygiene::respan(handle, value.span);
    }

    let attrs = &func.attrs;
    let docs = task_docs(args, func, &value, &krate);
    let vis = &func.vis;
    let sig = &func.sig;
    let safety = &sig.safety;
    let fn_token = &sig.fn_token;
    let ident = &sig.ident;
    let generics = &sig.generics;
    let where_clause = &sig.generics.where_clause;
    let bindings = func.args.iter().map(|a| &a.binding);
    let types = func.args.iter().map(|a| &a.ty);

    let body_fn = body_fn(func);
    let checks = checks(args, &value, &private);
    let pool = pool_static(args, &private);
    let launch = launch(args, func, &value, &krate);

    let mut body = Group::new(
        Delimiter::Brace,
        quote! {
            #body_fn
            #checks
            #pool
            #launch
        },
    );
    body.set_span(func.body_span);
    quote! {
        #(#attrs)*
        #docs
        #vis #safety #fn_token #ident #generics (#(#bindings: #types),*) -> #handle #where_clause #body
    }
}

// Input:  #[allow(x)] #[inline] fn f<T>(mut a: T) -> R where T: B { body }
// Output: #[allow(x)] #[allow(non_snake_case)] fn __strand_body_f<T>(mut a: T) -> R where T: B { body }
/// The user's function, unchanged but for its name, nested in the wrapper.
/// It carries only the user's own `allow`s (the wrapper keeps every other
/// attribute), plus `non_snake_case` so a non-snake name warns once, on the
/// wrapper, and `clippy::missing_const_for_fn`, which would ask for a
/// `const fn` that `#[as_task]` cannot rewrite.
fn body_fn(func: &TaskFn) -> TokenStream {
    let mut sig = func.sig.clone();
    sig.ident = hygiene::body_ident(&sig.ident);
    let allows = func.allow_attrs();
    let body = &func.body;
    quote! {
        #(#allows)*
        #[allow(non_snake_case, clippy::missing_const_for_fn)]
        #sig #body
    }
}

/// Checks of the return type that the runner's own bounds would report in
/// rustc's words; spanned at the return type (see `launch` for how the
/// runner's duplicate error is merged into this one).
fn checks(args: &AsTaskArgs, value: &TaskValue, private: &TokenStream) -> TokenStream {
    let mut checks = TokenStream::new();
    if value.projected && args.fallible.is_some() {
        let ret = &value.ret;
        checks.extend(quote!(#private::assert_fallible::<#ret>();));
    }
    // A stream is checked by `on_stream`'s own bound instead.
    if args.on_iter.is_some() && !value.opaque && !args.on_stream {
        let produced = value.produced();
        checks.extend(quote!(#private::assert_iterable::<#produced>();));
    }
    hygiene::respan(checks, value.span)
}

/// `pool = expr`: a pool built once, on first use.
fn pool_static(args: &AsTaskArgs, private: &TokenStream) -> TokenStream {
    let Some((expr, _)) = &args.pool else {
        return TokenStream::new();
    };
    let into_pool = quote_spanned!(expr.span()=> #private::into_pool(#expr));
    quote! {
        static __STRAND_POOL: #private::LazyLock<#private::Pool> =
            #private::LazyLock::new(|| #into_pool);
    }
}

/// The runner, built in the documented order, and the call.
///
/// Bounds that the runner checks on the user's types are reported once, at
/// the user's tokens:
/// - `fallible()` and `on_iter()` take the runner through a local spanned at
///   the return type, where rustc reports their unmet bound; the same error
///   from the signature or from `assert_iterable` has that span too, and
///   rustc prints it once.
/// - `thread` and `pool` tasks are launched through a generic helper whose
///   parameters are the argument types, the value and the error, each bound
///   by `SendToTask`: a type that cannot cross threads is reported at that
///   argument (or at the return type), with strand's message, and the call
///   inside the helper has nothing left to report.
fn launch(args: &AsTaskArgs, func: &TaskFn, value: &TaskValue, krate: &CratePath) -> TokenStream {
    if args.target == Target::Process {
        return launch_process(args, func, value, krate);
    }
    let private = krate.private();
    let body_ident = hygiene::body_ident(&func.sig.ident);
    let turbofish = func.turbofish();
    let body = quote!(#body_ident #turbofish);
    let bindings: Vec<&Ident> = func.args.iter().map(|a| &a.binding).collect();
    let alias = runner_alias(args.target);
    // Only the `sync` target runs an `unsafe fn` (its body runs during the
    // call, inside the caller's `unsafe` block); `check_supported` refuses
    // it everywhere else, and without the `unsafe` blocks below a rewrite
    // that got one anyway would not compile.
    let unsafe_fn = args.target == Target::Sync && func.unsafety().is_some();
    // A runner needs `'static` arguments; a `sync` task whose arguments may
    // borrow runs its body first instead.
    let eager = args.target == Target::Sync
        && (func.has_generic_args() || func.args.iter().any(|a| item::borrow_in(&a.ty).is_some()));

    let runner = Ident::new("__strand_runner", value.span);
    let mut out;
    let call_args;
    if eager {
        // Input:  #[as_task(sync)] fn f(s: &str) -> usize
        // Output: the body runs first, in the caller, panics caught; the
        //         runner receives its outcome.
        let outcome = hygiene::local("__strand_outcome");
        let mut call = if unsafe_fn {
            quote!(unsafe { #body(#(#bindings),*) })
        } else {
            quote!(#body(#(#bindings),*))
        };
        if func.sig.asyncness.is_some() {
            // Only after an error (a borrowed argument on `coroutine`):
            // keeps the call sites type-checking.
            call = quote!(#private::block_on(#call));
        }
        let sync_runner = hygiene::local("__strand_sync_runner");
        let value_ident = hygiene::local("__strand_value");
        let panic = hygiene::local("__strand_panic");
        out = quote! {
            let #outcome = ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(move || #call));
            fn #sync_runner<__T: 'static>(
                _: &::std::thread::Result<__T>,
            ) -> #private::SyncTaskrunner<(::std::thread::Result<__T>,), __T> {
                #private::SyncTaskrunner::new(|#outcome: ::std::thread::Result<__T>| match #outcome {
                    ::core::result::Result::Ok(#value_ident) => #value_ident,
                    ::core::result::Result::Err(#panic) => ::std::panic::resume_unwind(#panic),
                })
            }
            let #runner = #sync_runner(&#outcome);
        };
        call_args = quote!((#outcome,));
    } else {
        let function = if unsafe_fn || !turbofish.is_empty() {
            // An `unsafe fn` item (`sync`) is not `Fn`, and a generic fn item is
            // `'static` only if all its type parameters are: call it from a
            // closure, whose type only captures what it holds.
            let params: Vec<Ident> = (0..func.args.len())
                .map(|i| hygiene::local(&format!("__strand_a{i}")))
                .collect();
            let call = quote!(#body(#(#params),*));
            if unsafe_fn {
                quote!(|#(#params),*| unsafe { #call })
            } else {
                quote!(|#(#params),*| #call)
            }
        } else {
            body
        };
        // A runner needs `'static` arguments: when a type parameter is not,
        // rustc says so here, so this lands on the function's generics.
        // A plain fn on the coroutine target runs on the blocking pool.
        let mut new = if args.target != Target::Coroutine {
            quote!(#private::#alias::new(#function))
        } else if func.sig.asyncness.is_none() {
            quote!(#private::#alias::blocking(#function))
        } else {
            // The name as a type: the task's future then carries it in no
            // memory (tokio sizes its allocation for a task by the future).
            let name_ty = hygiene::local("__StrandName");
            let name = task_name(args, func);
            // A fallible body is split in the constructor, unboxed.
            let constructor = if value.fallible.is_some() {
                quote!(new_fallible_named)
            } else {
                quote!(new_named)
            };
            quote!({
                struct #name_ty;
                impl #private::StaticName for #name_ty {
                    const NAME: &'static str = #name;
                }
                #private::#alias::#constructor::<_, _, #name_ty>(#function)
            })
        };
        if let Some(param) = func.first_type_param() {
            new = hygiene::respan(new, param.span());
        } else if let Some(asyncness) = &func.sig.asyncness {
            // A future that is not `Send` is reported at `async`.
            new = hygiene::respan(new, asyncness.span);
        }
        out = quote!(let #runner = #new;);
        call_args = quote!((#(#bindings,)*));
    }

    // An `async fn` on the coroutine target is split by its constructor.
    let split = args.target == Target::Coroutine && func.sig.asyncness.is_some();
    out.extend(steps(args, value, &private, &alias, &runner, split));
    let name = task_name(args, func);
    let chain = quote!(#runner.name(#name));

    if !args.target.crosses_threads() {
        out.extend(quote!(#chain.call(#call_args)));
        return out;
    }

    // Input:  fn f(a: u32, b: Rc<u8>) -> u64
    // Output: fn __strand_launch<A0: SendToTask, A1: SendToTask, T: SendToTask, E: SendToTask>(
    //             build: impl FnOnce() -> ThreadTaskrunner<(A0, A1), T, E>, a0: A0, a1: A1,
    //         ) -> TaskHandle<T, E> { build().call((a0, a1)) }
    //         __strand_launch::<u32, Rc<u8>, u64, _>(move || runner, a, b)
    // (the turbofish names the types as written, where rustc reports them)
    let task_handle = krate.item("TaskHandle");
    let params: Vec<Ident> = (0..func.args.len())
        .map(|i| format_ident!("__StrandA{}", i))
        .collect();
    let locals: Vec<Ident> = (0..func.args.len())
        .map(|i| hygiene::local(&format!("__strand_a{i}")))
        .collect();
    let pool = args.pool.as_ref().map(|_| quote!(.pool(&__STRAND_POOL)));
    let launch = hygiene::local("__strand_launch");
    // The turbofish names each argument's type as written, so that rustc
    // reports a type that cannot cross threads there, whole (a `_` at its
    // first token when it cannot be named).
    let named = |ty: &TokenStream, opaque: bool, span: Span| {
        if opaque {
            hygiene::respan(quote!(_), span)
        } else {
            ty.clone()
        }
    };
    let mut holes: Vec<TokenStream> = func
        .args
        .iter()
        .map(|arg| {
            let span = hygiene::first_span(&arg.ty, arg.binding.span());
            named(
                &arg.ty.to_token_stream(),
                item::contains_impl(&arg.ty),
                span,
            )
        })
        .collect();
    let joined_named = args.on_iter.is_none() && !value.opaque;
    holes.push(named(value.produced(), !joined_named, value.span));
    match &value.fallible {
        Some((_, err)) => holes.push(named(err, value.opaque, value.span)),
        None => holes.push(hygiene::respan(quote!(_), value.span)),
    }
    let passed = func.args.iter().map(|a| &a.binding);
    // As for `new` above: a type parameter that is not `'static` is reported
    // at the function's generics.
    let (call_name, call_span) = match func.first_type_param() {
        Some(param) => (Ident::new("__strand_launch", param.span()), param.span()),
        None => (launch.clone(), Span::call_site()),
    };
    let mut call_args = Group::new(Delimiter::Parenthesis, quote!(move || #chain, #(#passed),*));
    call_args.set_span(call_span);
    let punct = |tokens: TokenStream| hygiene::respan(tokens, call_span);
    let mut turbofish = punct(quote!(::<));
    for (i, hole) in holes.iter().enumerate() {
        if i > 0 {
            turbofish.extend(punct(quote!(,)));
        }
        turbofish.extend(hole.clone());
    }
    turbofish.extend(punct(quote!(>)));
    out.extend(quote! {
        #[allow(clippy::too_many_arguments)]
        fn #launch<
            #(#params: #private::SendToTask,)*
            __StrandT: #private::SendToTask,
            __StrandE: #private::SendToTask,
        >(
            __strand_build: impl ::core::ops::FnOnce() -> #private::#alias<(#(#params,)*), __StrandT, __StrandE>,
            #(#locals: #params,)*
        ) -> #task_handle<__StrandT, __StrandE> {
            __strand_build()#pool.call((#(#locals,)*))
        }
        #call_name #turbofish #call_args
    });
    out
}

/// The runner's optional steps (`fallible`, `on_iter`, `on_end`,
/// `on_error`), each a call spanned at the user's tokens it concerns, so
/// that rustc reports an unmet bound there. `split_by_constructor`: the
/// runner's constructor already split a fallible value (no `fallible` step).
fn steps(
    args: &AsTaskArgs,
    value: &TaskValue,
    private: &TokenStream,
    alias: &Ident,
    runner: &Ident,
    split_by_constructor: bool,
) -> TokenStream {
    let step = |method: &str, span: Span, arg: Option<&dyn ToTokens>| {
        let method = Ident::new(method, span);
        let path = hygiene::respan(quote!(#private::#alias::#method), span);
        let mut group = Group::new(Delimiter::Parenthesis, quote!(#runner, #arg));
        group.set_span(span);
        quote!(let #runner = #path #group;)
    };
    let mut out = TokenStream::new();
    if value.fallible.is_some() && !split_by_constructor {
        out.extend(step("fallible", value.span, None));
    }
    if let Some((flag, span)) = args.yield_on_iter {
        out.extend(step("yield_on_iter", span, Some(&flag)));
    }
    if let Some((expr, _)) = &args.on_iter {
        let method = if args.on_stream {
            "on_stream"
        } else {
            "on_iter"
        };
        out.extend(step(method, value.span, Some(expr)));
    }
    if let Some((expr, _)) = &args.on_end {
        out.extend(step(
            "on_end",
            hygiene::first_span(expr, value.span),
            Some(expr),
        ));
    }
    if let Some((expr, _)) = &args.on_error {
        out.extend(step(
            "on_error",
            hygiene::first_span(expr, value.span),
            Some(expr),
        ));
    }
    out
}

/// The task's name: `name = "..."`, or `module::path::function`. A
/// `process` task is registered under it.
fn task_name(args: &AsTaskArgs, func: &TaskFn) -> TokenStream {
    match &args.name {
        Some((lit, _)) => lit.to_token_stream(),
        None => {
            let plain = hygiene::plain_name(&func.sig.ident);
            quote!(::core::concat!(::core::module_path!(), "::", #plain))
        }
    }
}

// Input:  #[as_task(process)] fn f(a: u32, s: String) -> Result<u64, E> { ... }
// Output (inside the wrapper, after the body fn; all of it the input of
// `::strand::__require_process_feature! { ... }`):
//   fn __strand_process<A0: SendToTask + CrossProcess, A1: .., Ok: .., Err: .., T: SendToTask, E: SendToTask>()
//       -> (fn(ChildInput<'_>, fn(A0, A1) -> Result<Ok, Err>) -> Reply,          // the child's side
//           fn(&'static str, Serialization) -> ProcessTaskrunner<(A0, A1), Result<Ok, Err>>,
//           fn(ProcessTaskrunner<(A0, A1), T, E>, A0, A1) -> TaskHandle<T, E>) {  // the parent's call
//       (|input, f| run_child(input, |(a0, a1)| f(a0, a1)), ProcessTaskrunner::registered_as,
//        |runner, a0, a1| runner.call((a0, a1)))
//   }
//   fn __strand_child(input: ChildInput<'_>) -> Reply {
//       (__strand_process::<u32, String, u64, E, (), ()>().0)(input, __strand_body_f)
//   }
//   #[distributed_slice(PROCESS_FUNCTIONS)]
//   static __STRAND_PROCESS_ENTRY: ProcessEntry = ProcessEntry::new(NAME, ORIGIN, __strand_child);
//   let (_, __strand_new, __strand_call) = __strand_process::<u32, String, u64, E, _, _>();
//   let __strand_runner = __strand_new(NAME, FORMAT);
//   /* steps */
//   __strand_call(__strand_runner.name(NAME), a, s)
/// A `process` task: the function's entry in the registry (what the child
/// runs) and the parent's launch.
///
/// One generic function, `__strand_process`, states every bound: its
/// turbofish names the argument types, and the `Ok` and `Err` types of a
/// fallible function (else the return type), as written, where rustc
/// reports a type that is not a serde type. Both sides call it with the
/// same tokens, so rustc's two reports are identical and printed once; what
/// they run are function pointers instantiated inside it, which carry no
/// bounds of their own to report again.
fn launch_process(
    args: &AsTaskArgs,
    func: &TaskFn,
    value: &TaskValue,
    krate: &CratePath,
) -> TokenStream {
    let private = krate.private();
    let task_handle = krate.item("TaskHandle");
    let body_ident = hygiene::body_ident(&func.sig.ident);
    let name = task_name(args, func);
    let plain = hygiene::plain_name(&func.sig.ident);
    let origin = quote!(::core::concat!(::core::module_path!(), "::", #plain));
    let format = if args.binary.is_some_and(|(binary, _)| binary) {
        quote!(#private::Serialization::Binary)
    } else {
        quote!(#private::Serialization::Json)
    };
    let params: Vec<Ident> = (0..func.args.len())
        .map(|i| format_ident!("__StrandA{}", i))
        .collect();
    let locals: Vec<Ident> = (0..func.args.len())
        .map(|i| hygiene::local(&format!("__strand_a{i}")))
        .collect();
    let mut types: Vec<TokenStream> = func.args.iter().map(|a| a.ty.to_token_stream()).collect();
    // The value's types: `Ok` and `Err` of a fallible function, each checked
    // at its own tokens, else the return type as written.
    let (value_params, ret) = match &value.fallible {
        Some((ok, err)) => {
            types.push(ok.clone());
            types.push(err.clone());
            let ok = format_ident!("__StrandOk");
            let err = format_ident!("__StrandErr");
            let ret = quote!(::core::result::Result<#ok, #err>);
            (vec![ok, err], ret)
        }
        None => {
            types.push(match func.return_type() {
                Some(ty) => ty.to_token_stream(),
                None => hygiene::respan(quote!(()), value.span),
            });
            let r = format_ident!("__StrandR");
            (vec![r.clone()], quote!(#r))
        }
    };
    let runner = Ident::new("__strand_runner", value.span);
    let alias = runner_alias(Target::Process);
    let steps = steps(args, value, &private, &alias, &runner, false);
    let bindings = func.args.iter().map(|a| &a.binding);
    let process = hygiene::local("__strand_process");
    let new = hygiene::local("__strand_new");
    let call = hygiene::local("__strand_call");
    let bound = quote!(#private::SendToTask + #private::CrossProcess);
    let args_ty = quote!((#(#params,)*));
    let launch = quote! {
        #[allow(clippy::too_many_arguments, clippy::type_complexity)]
        fn #process<
            #(#params: #bound,)*
            #(#value_params: #bound,)*
            __StrandT: #private::SendToTask,
            __StrandE: #private::SendToTask,
        >() -> (
            fn(#private::ChildInput<'_>, fn(#(#params),*) -> #ret) -> #private::Reply,
            fn(&'static str, #private::Serialization) -> #private::ProcessTaskrunner<#args_ty, #ret>,
            fn(#private::ProcessTaskrunner<#args_ty, __StrandT, __StrandE>, #(#params),*) -> #task_handle<__StrandT, __StrandE>,
        ) {
            (
                |__strand_input, __strand_f| {
                    #private::run_child::<#args_ty, #ret>(
                        __strand_input,
                        |(#(#locals,)*)| __strand_f(#(#locals),*),
                    )
                },
                #private::ProcessTaskrunner::<#args_ty, #ret>::registered_as,
                |__strand_runner, #(#locals),*| __strand_runner.call((#(#locals,)*)),
            )
        }
        fn __strand_child(__strand_input: #private::ChildInput<'_>) -> #private::Reply {
            // An `unsafe fn` is refused by `check_supported`: its item
            // would not coerce to this safe `fn` pointer.
            (#process::<#(#types,)* (), ()>().0)(__strand_input, #body_ident)
        }
        #[#private::linkme::distributed_slice(#private::PROCESS_FUNCTIONS)]
        #[linkme(crate = #private::linkme)]
        static __STRAND_PROCESS_ENTRY: #private::ProcessEntry =
            #private::ProcessEntry::new(#name, #origin, __strand_child);

        let (_, #new, #call) = #process::<#(#types,)* _, _>();
        let #runner = #new(#name, #format);
        #steps
        #call(#runner.name(#name), #(#bindings),*)
    };
    // All of it names items of strand's `process` feature (Unix only), which
    // the macro cannot see: strand's macro expands it as it is when they
    // exist, else to one `compile_error!` that says why (the feature is off,
    // or, on another system, unsupported) and a body that type-checks, in
    // place of an error for each missing item.
    let require_process = krate.item("__require_process_feature");
    quote!(#require_process! { #launch })
}

// Input:  impl Stream<Item = u8> | Pin<Box<dyn futures::Stream<Item = u8> + Send>>
// Output: true (and false for `Vec<u8>`, `impl Iterator<Item = u8>`, `TcpStream`)
/// Whether the written return type names a `Stream`: a path, anywhere in
/// it, whose last segment is `Stream` (a syntactic check; the runner's
/// bound checks that it is one).
pub(super) fn names_stream(ty: &syn::Type) -> bool {
    struct FindStream(bool);
    impl<'ast> syn::visit::Visit<'ast> for FindStream {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            if path.segments.last().is_some_and(|s| s.ident == "Stream") {
                self.0 = true;
            }
            syn::visit::visit_path(self, path);
        }
    }
    let mut finder = FindStream(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}

fn runner_alias(target: Target) -> Ident {
    Ident::new(
        match target {
            Target::Thread => "ThreadTaskrunner",
            Target::Pool => "PoolTaskrunner",
            // A `store` task is rewritten by `store.rs`, or, after an
            // error, as a `sync` one: never here.
            Target::Sync | Target::Store => "SyncTaskrunner",
            Target::Process => "ProcessTaskrunner",
            Target::Coroutine => "CoroutineTaskrunner",
        },
        Span::call_site(),
    )
}

/// The generated `# Task` paragraph that follows the user's own docs. Only
/// added when the user wrote docs, so `missing_docs` still fires otherwise.
fn task_docs(
    args: &AsTaskArgs,
    func: &TaskFn,
    value: &TaskValue,
    krate: &CratePath,
) -> TokenStream {
    if !func.has_docs() {
        return TokenStream::new();
    }
    let handle = format!("[`TaskHandle`]({})", krate.doc_path("TaskHandle"));
    let pool = format!("[`Pool`]({})", krate.doc_path("Pool"));
    let mut lines = vec![String::new(), "# Task".to_owned(), String::new()];
    lines.push(match (args.target, args.pool.is_some()) {
        (Target::Thread, _) => format!("Runs on a new thread; returns a {handle} at once."),
        (Target::Pool, false) => format!(
            "Runs on a worker of the global {pool}; returns a {handle} at once (or, when the pool's queue is full, as soon as there is room)."
        ),
        (Target::Pool, true) => format!(
            "Runs on a worker of the {pool} given by `pool = ...`; returns a {handle} at once (or, when the pool's queue is full, as soon as there is room)."
        ),
        // A `store` task is documented by `store.rs`: never here.
        (Target::Sync | Target::Store, _) => {
            format!("Runs right away in the caller; returns a finished {handle}.")
        }
        (Target::Coroutine, _) => format!(
            "Runs as a tokio task (on the caller's runtime, or on strand's own outside one); returns a {handle} at once, which can be `.await`ed. `cancel()` stops the task at its next `.await`."
        ),
        (Target::Process, _) => format!(
            "Runs in a fresh child process (a copy of this program, which finds the function by its registered name); returns a {handle} at once. Arguments and value travel through serde; `cancel()` kills the child."
        ),
    });
    lines.push(if args.on_stream {
        "Each item of the stream the function returns goes to its `on_iter` callback as the stream yields it; `join()` returns the number of items delivered.".to_owned()
    } else if args.on_iter.is_some() {
        "Each item the function produces goes to its `on_iter` callback as it is produced; `join()` returns the number of items delivered.".to_owned()
    } else if value.fallible.is_some() {
        format!(
            "`join()` returns the `Ok` value; an `Err` fails the task (see [`JoinError::failure`]({})).",
            krate.doc_path("JoinError::failure")
        )
    } else {
        "`join()` returns the function's value.".to_owned()
    });
    if args.on_end.is_some() {
        lines.push("When the task succeeds, `on_end` is called with its value.".to_owned());
    }
    if args.on_error.is_some() {
        lines.push(
            "When the function fails or panics, `on_error` is called with the error.".to_owned(),
        );
    }
    hygiene::doc_attrs(&lines)
}
