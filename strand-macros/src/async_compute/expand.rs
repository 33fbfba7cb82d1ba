//! The rewrite of a computation function (see the crate docs, "Equivalent code").
//!
//! ```text
//! // Input:
//! #[async_compute(store = MemoryStore::new(), backend = pool)]
//! pub fn f(a: u32, (b, c): (u8, u8)) -> Result<u64, String> { ... }
//! // Output:
//! pub fn f(a: u32, __arg1: (u8, u8)) -> ::strand_au::ComputationHandle<u64, String> {
//!     Glued::into_handle::<u64, String>(__strand_glue_f(Glue::Launch(&[&a, &__arg1])))
//! }
//! fn __strand_glue_f(op: Glue<'_>) -> Glued {
//!     fn __strand_body_f(a: u32, (b, c): (u8, u8)) -> Result<u64, String> { ... }
//!     match op { Launch: encode each argument, launch; Handle: a typed handle;
//!                Run: decode each argument, call, encode the value }
//! }
//! fn __strand_run_f(input: Value) -> Result<Value, ComputationFailure> { glue(Run(input)) }
//! static __STRAND_RUNNER_f: RunnerFn = __strand_run_f;
//! #[distributed_slice(PROCESS_FUNCTIONS)]   // strand's one registry
//! static __STRAND_PROCESS_ENTRY_f: ProcessEntry =
//!     ProcessEntry::with_local(name, origin, __strand_process_f, &__STRAND_RUNNER_f);
//! fn __strand_computation_f() -> &'static Computation { /* options, built once */ }
//! pub enum f {}
//! impl f { pub fn computation(), name(), store(), backend(), cleanup_expired(), handle(key) }
//! ```
//!
//! Every requirement on a user type is a trait bound of strand's, stated in
//! the glue's body only, at the type as written, so rustc reports it once,
//! with strand's message, under the user's type (see `strand_au::__private`).

use proc_macro2::{Delimiter, Group, Ident, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;

use super::args::{AsyncComputeArgs, Backend, Format, Ttl};
use crate::hygiene::{self, CratePath};
use crate::item::TaskFn;
use crate::registry;
use crate::value::TaskValue;

/// The names generated for one function.
struct Names {
    computation: Ident,
    glue: Ident,
    run: Ident,
    plain: String,
}

impl Names {
    fn new(ident: &Ident) -> Names {
        let plain = hygiene::plain_name(ident);
        Names {
            computation: format_ident!("__strand_computation_{}", ident.unraw()),
            glue: format_ident!("__strand_glue_{}", ident.unraw()),
            run: format_ident!("__strand_run_{}", ident.unraw()),
            plain,
        }
    }
}

/// The rewritten function, its hidden computation and its companion module.
pub(crate) fn expand(args: &AsyncComputeArgs, func: &TaskFn) -> TokenStream {
    let krate = CratePath::or_default(args.krate.as_ref().map(|(path, _)| path), "strand_au");
    let private = krate.private();
    let value = TaskValue::new(
        func,
        args.fallible.map(|f| f.0),
        func.sig.ident.span(),
        &private,
    );
    let names = Names::new(&func.sig.ident);
    let wrapper = wrapper(args, func, &value, &krate, &names);
    let computation = computation(args, func, &value, &krate, &names);
    let companion = companion(func, &value, &krate, &names);
    quote! {
        #wrapper
        #computation
        #companion
    }
}

// Input:  #[doc] pub fn f(a: A, (b, c): B) -> R { body }
// Output: #[doc] #[doc = "# Computation ..."] pub fn f(a: A, __arg1: B) -> ComputationHandle<T> {
//             Glued::into_handle::<T>(__strand_glue_f(Glue::Launch(&[&a, &__arg1])))
//         }
/// The public function: hands its arguments to the glue, which encodes
/// them and launches.
fn wrapper(
    args: &AsyncComputeArgs,
    func: &TaskFn,
    value: &TaskValue,
    krate: &CratePath,
    names: &Names,
) -> TokenStream {
    let private = krate.private();
    let attrs = &func.attrs;
    let docs = docs(args, func, value, krate);
    let vis = &func.vis;
    let fn_token = &func.sig.fn_token;
    let ident = &func.sig.ident;
    let bindings: Vec<&Ident> = func.args.iter().map(|a| &a.binding).collect();
    let types: Vec<&syn::Type> = func.args.iter().map(|a| &a.ty).collect();
    let handle = handle_type(value, krate);
    let produced = value.produced();
    let error = error_type(value);
    let glue = &names.glue;
    let mut body = Group::new(
        Delimiter::Brace,
        quote! {
            #private::Glued::into_handle::<#produced, #error>(#glue(#private::Glue::Launch(&[
                #(&#bindings as &dyn ::core::any::Any),*
            ])))
        },
    );
    body.set_span(func.body_span);
    // The arguments are encoded by reference and must be owned (they are
    // stored): clippy's advice to borrow them cannot be followed.
    quote! {
        #(#attrs)*
        #docs
        #[allow(clippy::needless_pass_by_value)]
        #vis #fn_token #ident(#(#bindings: #types),*) -> #handle #body
    }
}

/// The handle's error type: the function's `E` when it is fallible (read
/// back typed when it is a serde type, as its message otherwise), else
/// the default, the message.
fn error_type(value: &TaskValue) -> TokenStream {
    match &value.fallible {
        Some((_, e)) => e.clone(),
        None => quote!(::std::string::String),
    }
}

fn handle_type(value: &TaskValue, krate: &CratePath) -> TokenStream {
    let handle = krate.item("ComputationHandle");
    let produced = value.produced();
    let handle = match &value.fallible {
        Some((_, e)) => quote!(#handle<#produced, #e>),
        None => quote!(#handle<#produced>),
    };
    if value.projected {
        hygiene::respan(handle, value.span)
    } else {
        handle
    }
}

/// The hidden items next to the function: the glue (the user's body, and every use of the user's
/// types), the runner, the registration and the lazily built
/// `Computation`.
fn computation(
    args: &AsyncComputeArgs,
    func: &TaskFn,
    value: &TaskValue,
    krate: &CratePath,
    names: &Names,
) -> TokenStream {
    let private = krate.private();
    let computation = &names.computation;
    let glue = &names.glue;
    let run = &names.run;
    let name = registered_name(args, &names.plain);
    let options = options(args, &private);
    let entry = registry::registry_entry(&private, &name, &names.plain, run);
    let glue_body = glue_body(func, value, &private, computation);
    let op = hygiene::local("__strand_op");
    let input = hygiene::local("__strand_input");
    let c = hygiene::local("__strand_computation");
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case)]
        fn #glue(#op: #private::Glue<'_>) -> #private::Glued {
            #glue_body
        }

        #[doc(hidden)]
        #[allow(non_snake_case)]
        fn #run(
            #input: #private::Value,
        ) -> ::core::result::Result<#private::Value, #private::ComputationFailure> {
            #private::Glued::into_ran(#glue(#private::Glue::Run(#input)))
        }

        #entry

        #[doc(hidden)]
        #[allow(non_snake_case)]
        fn #computation() -> &'static #private::Computation {
            static __STRAND_COMPUTATION: #private::LazyLock<#private::Computation> =
                #private::LazyLock::new(|| {
                    let #c = #private::Computation::new(
                        #name,
                        #private::Runner::raw(#run),
                    );
                    #options
                    #c
                });
            &__STRAND_COMPUTATION
        }
    }
}

fn registered_name(args: &AsyncComputeArgs, plain: &str) -> TokenStream {
    match &args.name {
        Some((lit, _)) => lit.to_token_stream(),
        None => quote!(::core::concat!(::core::module_path!(), "::", #plain)),
    }
}

// Input:  #[allow(x)] #[inline] fn f(mut a: A) -> R { body }
// Output: #[allow(x)] #[allow(non_snake_case, ...)] fn __strand_body_f(mut a: A) -> R { body }
/// The user's function, unchanged but for its name, nested in the glue
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

// Input:  fn f(a: A, b: B) -> Result<T, E>
// Output: fn __strand_body_f(a: A, b: B) -> Result<T, E> { body }
//         match op {
//             Glue::Launch(args) => { push::<A>(arg(args, 0)); push::<B>(..); Glued::handle(launch::<T>(..)) }
//             Glue::Handle(key) => Glued::handle(handle::<T>(computation, key)),
//             Glue::Run(input) => Glued::Ran(run_with(input, 2, |d| {
//                 match __strand_body_f(d.next::<A>()?, d.next::<B>()?) {
//                     Ok(v) => encode_result::<T>(&v), Err(e) => Err(returned::<E>(e)),
//                 }
//             })),
//         }
/// The glue's body: every bound on a user type is stated here, once per
/// use, at the type as written (the closures are type-checked with it), so
/// rustc reports each unmet bound once.
fn glue_body(
    func: &TaskFn,
    value: &TaskValue,
    private: &TokenStream,
    computation: &Ident,
) -> TokenStream {
    let op = hygiene::local("__strand_op");
    let args = hygiene::local("__strand_args");
    let encoded = hygiene::local("__strand_encoded");
    let key = hygiene::local("__strand_key");
    let input = hygiene::local("__strand_input");
    let decoder = hygiene::local("__strand_decoder");
    let outcome = hygiene::local("__strand_outcome");
    let ok = hygiene::local("__strand_ok");
    let err = hygiene::local("__strand_err");
    let body_fn = body_fn(func);
    let body = hygiene::body_ident(&func.sig.ident);
    let count = func.args.len();
    let types: Vec<&syn::Type> = func.args.iter().map(|a| &a.ty).collect();
    let indices = 0..count;
    let produced = value.produced();
    let launch = hygiene::respan(quote!(#private::launch), value.span);
    let handle = hygiene::respan(quote!(#private::handle), value.span);
    let encode = hygiene::respan(quote!(#private::encode_result), value.span);
    let returned = hygiene::respan(quote!(#private::returned), value.span);

    // An `unsafe fn` is refused by `check_signature`, so the call needs no
    // `unsafe` block (and would not compile without one).
    let mut call = quote!(#body(#(#private::Decoder::next::<#types>(#decoder)?),*));
    if func.sig.asyncness.is_some() {
        // An `async fn` body runs to completion on the backend's thread,
        // driven by strand's tokio runtime.
        call = quote!(#private::block_on(#call));
    }
    let finish = match &value.fallible {
        None => quote!(#encode::<#produced>(&#outcome)),
        Some((_, e)) => {
            let split = if value.projected {
                let split = hygiene::respan(quote!(#private::Fallible::into_result), value.span);
                quote!(#split(#outcome))
            } else {
                quote!(#outcome)
            };
            // The error is kept typed when it is `Serialize` (see
            // `strand_au::__private::ReturnedError`).
            quote! {
                match #split {
                    ::core::result::Result::Ok(#ok) => #encode::<#produced>(&#ok),
                    ::core::result::Result::Err(#err) => {
                        #[allow(unused_imports)]
                        use #private::{StoreMessage as _, StoreTyped as _};
                        let __strand_stored = (&#private::ReturnedError(&#err)).stored_value();
                        ::core::result::Result::Err(#returned::<#e>(#err, __strand_stored))
                    }
                }
            }
        }
    };
    // A fallible function's handle reads its error typed when the error
    // type is `DeserializeOwned` (see `strand_au::__private::ErrorType`).
    let typed = |handle: TokenStream| match &value.fallible {
        None => handle,
        Some((_, e)) => quote! {{
            #[allow(unused_imports)]
            use #private::{ReadMessage as _, ReadTyped as _};
            (&#private::ErrorType::<#e>::new()).reader(#handle)
        }},
    };
    let launched = typed(quote!(#launch::<#produced>(#computation(), &#encoded)));
    let keyed = typed(quote!(#handle::<#produced>(#computation(), #key)));
    let unused = if count == 0 {
        quote!(#[allow(unused_variables)])
    } else {
        TokenStream::new()
    };
    quote! {
        #body_fn
        match #op {
            #private::Glue::Launch(#args) => {
                #unused
                let mut #encoded = #private::Args::with_capacity(#count);
                #(#private::Args::push::<#types>(&mut #encoded, #private::arg::<#types>(#args, #indices));)*
                #private::Glued::handle(#launched)
            }
            #private::Glue::Handle(#key) => {
                #private::Glued::handle(#keyed)
            }
            #private::Glue::Run(#input) => {
                #private::Glued::Ran(#private::run_with(#input, #count, |#decoder| {
                    #unused
                    let #outcome = #call;
                    #finish
                }))
            }
        }
    }
}

/// The encoding between processes: the function's `serialization`.
fn wire_format(args: &AsyncComputeArgs, private: &TokenStream) -> TokenStream {
    match &args.serialization {
        Some((Format::Binary, _)) => quote!(#private::Serialization::Binary),
        _ => quote!(#private::Serialization::Json),
    }
}

/// The option expressions, applied to the `Computation` once, each checked
/// at the user's expression.
fn options(args: &AsyncComputeArgs, private: &TokenStream) -> TokenStream {
    let c = hygiene::local("__strand_computation");
    let mut out = TokenStream::new();
    let arc = quote!(::std::sync::Arc);
    if let Some((expr, _)) = &args.store {
        let store = quote_spanned!(expr.span()=> #private::into_store(#expr));
        out.extend(quote!(let #c = #c.store(#store);));
    } else if let Some((Format::Binary, _)) = &args.serialization {
        out.extend(quote! {
            let #c = #c.store(#private::default_store(#private::Serialization::Binary));
        });
    }
    if let Some((backend, _)) = &args.backend {
        let backend = match backend {
            Backend::Thread(word) => {
                Some(quote_spanned!(word.span()=> #arc::new(#private::ThreadBackend::new())))
            }
            Backend::Pool(word) => {
                Some(quote_spanned!(word.span()=> #arc::new(#private::PoolBackend::global())))
            }
            Backend::Process(word) => {
                let format = wire_format(args, private);
                Some(
                    quote_spanned!(word.span()=> #arc::new(#private::ProcessBackend::new().serialization(#format))),
                )
            }
            Backend::ProcessPool(word, size) => {
                let format = wire_format(args, private);
                let size = quote_spanned!(size.span()=> { let __strand_size: usize = #size; __strand_size });
                Some(
                    quote_spanned!(word.span()=> #arc::new(#private::ProcessPoolBackend::with_serialization(#size, #format))),
                )
            }
            Backend::Queue(word, name) => {
                // Not a backend object: the computation's job goes into a
                // queue of its store.
                let name = match name {
                    Some(lit) => lit.to_token_stream(),
                    None => quote!("default"),
                };
                let queue = quote_spanned!(word.span()=> #c.queue(#name));
                out.extend(quote!(let #c = #queue;));
                None
            }
            Backend::Expr(expr) => {
                Some(quote_spanned!(expr.span()=> #private::into_backend(#expr)))
            }
        };
        if let Some(backend) = backend {
            out.extend(quote!(let #c = #c.backend(#backend);));
        }
    }
    if let Some((list, _)) = &args.middleware {
        for expr in list {
            let m = quote_spanned!(expr.span()=> #private::into_middleware(#expr));
            out.extend(quote!(let #c = #c.middleware(#m);));
        }
    }
    if let Some((ttl, _)) = &args.ttl {
        let ttl = match ttl {
            Ttl::Secs(lit) => quote!(::core::time::Duration::from_secs(#lit)),
            Ttl::Expr(expr) => quote_spanned!(expr.span()=> #private::into_ttl(#expr)),
        };
        out.extend(quote!(let #c = #c.ttl(#ttl);));
    }
    out
}

// Input:  pub fn f(..) -> R
// Output: pub enum f {}
//         impl f { pub fn computation(), name(), store(), backend(), cleanup_expired(), handle(key) }
/// The companion named after the function: an uninhabited enum (types
/// and functions live in different namespaces, and a braced type takes no
/// value name) whose associated functions expose the infrastructure, so
/// `f::store()` reads like a module path. Unlike a module, its `impl` sees
/// every name the function sees, in a module or in a function body.
fn companion(func: &TaskFn, value: &TaskValue, krate: &CratePath, names: &Names) -> TokenStream {
    let vis = &func.vis;
    let ident = &func.sig.ident;
    let plain = &names.plain;
    let computation = &names.computation;
    let glue = &names.glue;
    let private = krate.private();
    let path = |item: &str| krate.item(item);
    let comp = path("Computation");
    let store = path("ComputationStore");
    let backend = path("ComputationBackend");
    let handle = handle_type(value, krate);
    let key = path("Key");
    let store_error = path("StoreError");
    let arc = quote!(::std::sync::Arc);
    let doc = format!(
        " The infrastructure of the [`{plain}`](fn@{plain}) computation: its store, backend, registered name, and typed handles from keys (`{plain}::store()`, `{plain}::handle(key)`, ...)."
    );
    let doc_fn = format!(
        " The computation (registered name, runner, store, backend, middleware, TTL) that [`{plain}`](fn@{plain}) launches."
    );
    quote! {
        #[doc = #doc]
        #[allow(non_camel_case_types, dead_code, clippy::empty_enum)]
        #vis enum #ident {}

        #[allow(dead_code, unreachable_pub)]
        impl #ident {
            #[doc = #doc_fn]
            #[must_use]
            #vis fn computation() -> &'static #comp {
                #computation()
            }

            /// The name the function is registered under.
            #[must_use]
            #vis fn name() -> &'static str {
                #computation().name()
            }

            /// The store where the records of this function live.
            #[must_use]
            #vis fn store() -> #arc<dyn #store> {
                #computation().get_store()
            }

            /// The backend this function's computations run on.
            #[must_use]
            #vis fn backend() -> #arc<dyn #backend> {
                #computation().get_backend()
            }

            /// Deletes the expired records of this function's store; how many.
            ///
            /// # Errors
            ///
            /// When the store cannot be listed.
            #vis fn cleanup_expired() -> ::core::result::Result<usize, #store_error> {
                #computation().cleanup_expired()
            }

            /// A typed handle on the record `key` of this function's store
            /// (e.g. from a key sent to a client).
            #[must_use]
            #vis fn handle(key: #key) -> #handle {
                #private::Glued::into_handle(#glue(#private::Glue::Handle(key)))
            }
        }
    }
}

/// The generated `# Computation` paragraph that follows the user's own
/// docs (only when there are some, so that `missing_docs` still fires).
fn docs(
    args: &AsyncComputeArgs,
    func: &TaskFn,
    value: &TaskValue,
    krate: &CratePath,
) -> TokenStream {
    if !func.has_docs() {
        return TokenStream::new();
    }
    let plain = hygiene::plain_name(&func.sig.ident);
    let handle = format!(
        "[`ComputationHandle`]({})",
        krate.doc_path("ComputationHandle")
    );
    let backend = match &args.backend {
        None | Some((Backend::Thread(_), _)) => "a new thread",
        Some((Backend::Pool(_), _)) => "a worker of the global pool",
        Some((Backend::Process(_), _)) => "a fresh child process (a copy of this program)",
        Some((Backend::ProcessPool(..), _)) => {
            "one of the warm worker processes of its process pool"
        }
        Some((Backend::Expr(_), _)) => "the backend given by `backend = ...`",
        Some((Backend::Queue(..), _)) => {
            "a worker process that takes its job from the queue of its store (strand-au's `StoreTaskReader`)"
        }
    };
    let store = match (&args.store, &args.serialization) {
        (Some(_), _) => "the store given by `store = ...`".to_owned(),
        (None, Some((Format::Binary, _))) => {
            "the default file-system store (MessagePack records)".to_owned()
        }
        (None, _) => "the default file-system store".to_owned(),
    };
    let mut lines = vec![
        String::new(),
        "# Computation".to_owned(),
        String::new(),
        format!(
            "Returns a {handle} at once; the body runs on {backend} and its record is kept in {store}."
        ),
    ];
    lines.push(if value.fallible.is_some() {
        "`join()` returns the `Ok` value; an `Err` fails the computation, and `join()`'s error keeps it typed when its type is `Serialize + DeserializeOwned`, its message otherwise."
            .to_owned()
    } else {
        "`join()` returns the function's value.".to_owned()
    });
    lines.push(format!(
        "Its companion [`{plain}`](enum@{plain}) gives its store, backend and typed handles from keys."
    ));
    hygiene::doc_attrs(&lines)
}

/// The function with its signature rewritten and a body that panics: what
/// an unsupported function becomes, so that its call sites still
/// type-check and report nothing of their own. It keeps `unsafe`, so an
/// `unsafe fn`'s call sites stay quiet too; it runs nothing and registers
/// nothing.
pub(crate) fn stub(
    func: &TaskFn,
    krate_path: Option<&syn::Path>,
    value: &TaskValue,
) -> TokenStream {
    let krate = CratePath::or_default(krate_path, "strand_au");
    let attrs = &func.attrs;
    let vis = &func.vis;
    let safety = &func.sig.safety;
    let ident = &func.sig.ident;
    let generics = &func.sig.generics;
    let where_clause = &func.sig.generics.where_clause;
    let inputs = func
        .sig
        .inputs
        .iter()
        .filter(|a| matches!(a, syn::FnArg::Typed(_)));
    let handle = handle_type(value, &krate);
    quote! {
        #(#attrs)*
        #[allow(unused_variables)]
        #vis #safety fn #ident #generics (#(#inputs),*) -> #handle #where_clause {
            ::core::panic!("`#[async_compute]` could not rewrite this function (see the compile errors)")
        }
    }
}
