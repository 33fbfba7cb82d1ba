//! Expansion snapshots: `prettyplease` renderings of the rewrite, compared
//! with `tests/expand/as_task/<case>.expanded.rs`. Refresh them with
//! `STRAND_BLESS=1 cargo test -p strand-macros`.

use proc_macro2::TokenStream;
use quote::quote;

fn snapshot(case: &str, args: TokenStream, item: TokenStream) {
    crate::snapshot::check("as_task", case, super::expand(args, item));
}

#[test]
fn thread_basic() {
    snapshot(
        "thread-basic",
        quote!(thread),
        quote! {
            /// Adds up a range.
            pub fn sum_to(n: u64) -> u64 {
                (1..=n).sum()
            }
        },
    );
}

#[test]
fn default_target_no_docs() {
    snapshot(
        "default-target",
        quote!(),
        quote! {
            fn tick() {}
        },
    );
}

#[test]
fn pool_with_pool_expr() {
    snapshot(
        "pool-with-pool-expr",
        quote!(
            pool,
            pool = strand::Pool::new(2),
            on_end = |n: &u64| println!("{n}")
        ),
        quote! {
            /// Squares.
            pub(crate) fn square(x: u64) -> u64 {
                x * x
            }
        },
    );
}

#[test]
fn sync() {
    snapshot(
        "sync",
        quote!(sync, name = "jobs::count"),
        quote! {
            fn count(items: Vec<u8>) -> usize {
                items.len()
            }
        },
    );
}

#[test]
fn sync_borrowed_args() {
    snapshot(
        "sync-borrowed-args",
        quote!(sync),
        quote! {
            fn words(text: &str, min: usize) -> usize {
                text.split_whitespace().filter(|w| w.len() >= min).count()
            }
        },
    );
}

#[test]
fn fallible_io_result() {
    snapshot(
        "fallible-io-result",
        quote!(
            thread,
            on_error = |e: &strand::JoinError<std::io::Error>| eprintln!("{e}")
        ),
        quote! {
            /// Reads a file.
            fn read(path: std::path::PathBuf) -> std::io::Result<String> {
                std::fs::read_to_string(path)
            }
        },
    );
}

#[test]
fn fallible_explicit_result() {
    snapshot(
        "fallible-explicit-result",
        quote!(pool),
        quote! {
            fn parse(s: String) -> Result<u32, std::num::ParseIntError> {
                s.parse()
            }
        },
    );
}

#[test]
fn on_iter_chunks() {
    snapshot(
        "on-iter-chunks",
        quote!(
            thread,
            on_iter = print_chunk,
            on_end = |n: &usize| println!("{n}")
        ),
        quote! {
            /// Docs.
            pub fn chunks(total: u64, size: u64) -> impl Iterator<Item = u64> {
                (0..total).step_by(size as usize)
            }
        },
    );
}

#[test]
fn generics_where_impl_trait() {
    snapshot(
        "generics-where-impl-trait",
        quote!(thread),
        quote! {
            #[allow(clippy::needless_pass_by_value)]
            #[inline]
            pub fn describe<'a, T, const N: usize>(
                items: [T; N],
                (left, right): (u8, u8),
                mut label: impl AsRef<str> + Send + 'static,
                _: (),
            ) -> String
            where
                T: std::fmt::Debug + Send + 'static,
            {
                label = label;
                format!("{}{left}{right}{items:?}", label.as_ref())
            }
        },
    );
}

#[test]
fn renamed_crate() {
    snapshot(
        "renamed-crate",
        quote!(thread, crate = strand1, fallible = false),
        quote! {
            /// Doubles.
            fn double(x: u32) -> Result<u32, ()> {
                Ok(x * 2)
            }
        },
    );
}

#[test]
fn unsafe_fn() {
    // Only `sync` runs an `unsafe fn`: its body runs during the call.
    snapshot(
        "unsafe-fn",
        quote!(sync),
        quote! {
            unsafe fn raw(x: usize) -> usize {
                x
            }
        },
    );
}

#[test]
fn unsafe_fn_refused_on_every_target_but_sync() {
    // One error, then the item unchanged: nothing wraps or registers it.
    let item = quote! {
        /// # Safety
        /// `p` is valid.
        pub unsafe fn read(p: usize) -> usize {
            p
        }
    };
    for (args, target) in [
        (quote!(), "thread"),
        (quote!(thread), "thread"),
        (quote!(pool, pool = strand::Pool::new(2)), "pool"),
        (quote!(coroutine), "coroutine"),
        (quote!(process, name = "jobs::read"), "process"),
    ] {
        let out = super::expand(args, item.clone()).to_string();
        let (error, rest) = out.split_once('}').expect("an error first");
        assert!(error.starts_with(":: core :: compile_error !"), "{out}");
        assert!(
            error.contains(&format!("the `{target}` target cannot run an `unsafe fn`")),
            "{out}"
        );
        assert_eq!(rest.trim(), item.to_string(), "{out}");
    }
    let out = super::expand(quote!(sync), item).to_string();
    assert!(!out.contains("compile_error"), "{out}");
    assert!(out.contains("pub unsafe fn read"), "{out}");
    // `sync` cannot run an `async fn`, so it is not suggested for one.
    let out = super::expand(
        quote!(coroutine),
        quote! {
            async unsafe fn fetch(p: usize) -> usize {
                p
            }
        },
    )
    .to_string();
    assert!(out.contains("cannot run an `unsafe fn`"), "{out}");
    assert!(!out.contains("as_task(sync)"), "{out}");
}

#[test]
fn bad_args_still_expand() {
    snapshot(
        "bad-args-still-expand",
        quote!(sync, on_ned = f, on_end = g),
        quote! {
            fn f(x: u32) -> u32 {
                x
            }
        },
    );
}

#[test]
fn unsupported_item_unchanged() {
    snapshot(
        "unsupported-item-unchanged",
        quote!(thread),
        quote! {
            async fn f(x: u32) -> u32 {
                x
            }
        },
    );
}

#[test]
fn generic_thread() {
    snapshot(
        "generic-thread",
        quote!(thread),
        quote! {
            fn show<T: std::fmt::Display + Send + 'static>(value: T) -> String {
                value.to_string()
            }
        },
    );
}

#[test]
fn process_target() {
    snapshot(
        "process",
        quote!(process),
        quote! {
            pub fn resize(image: Vec<u8>, width: u32) -> Vec<u8> {
                image
            }
        },
    );
}

#[test]
fn process_fallible_binary_with_callbacks() {
    snapshot(
        "process-fallible-binary",
        quote!(
            process,
            serialization = binary,
            name = "jobs::parse",
            on_end = log
        ),
        quote! {
            fn parse(s: String) -> Result<u32, String> {
                s.parse().map_err(|_| s)
            }
        },
    );
}

#[test]
fn coroutine_async_fn() {
    snapshot(
        "coroutine-async",
        quote!(coroutine, on_iter = print_line, yield_on_iter = false),
        quote! {
            async fn lines(url: String) -> Vec<String> {
                fetch(url).await
            }
        },
    );
}

#[test]
fn coroutine_fallible() {
    // Split by the constructor (`new_fallible_named`), with no `fallible`
    // step, so the future is not boxed.
    snapshot(
        "coroutine-fallible",
        quote!(coroutine),
        quote! {
            async fn fetch(url: String) -> Result<String, std::io::Error> {
                get(url).await
            }
        },
    );
}

#[test]
fn coroutine_stream() {
    snapshot(
        "coroutine-stream",
        quote!(coroutine, on_iter = print_line),
        quote! {
            /// Lines as they arrive.
            async fn lines(url: String) -> impl futures::Stream<Item = String> + Send {
                fetch_lines(url).await
            }
        },
    );
}

#[test]
fn stream_return_types() {
    use super::expand::names_stream;
    let yes = [
        quote!(impl Stream<Item = u8>),
        quote!(impl futures::Stream<Item = u8> + Send),
        quote!(Pin<Box<dyn Stream<Item = u8> + Send>>),
        quote!(Result<impl Stream<Item = u8>, String>),
    ];
    let no = [
        quote!(Vec<u8>),
        quote!(impl Iterator<Item = u8>),
        quote!(tokio::net::TcpStream),
        quote!(StreamReader),
    ];
    for ty in yes {
        assert!(names_stream(&syn::parse2(ty.clone()).unwrap()), "{ty}");
    }
    for ty in no {
        assert!(!names_stream(&syn::parse2(ty.clone()).unwrap()), "{ty}");
    }
}

#[test]
fn coroutine_plain_fn() {
    snapshot(
        "coroutine-blocking",
        quote!(coroutine),
        quote! {
            fn checksum(path: std::path::PathBuf) -> std::io::Result<u64> {
                std::fs::read(path).map(|b| b.len() as u64)
            }
        },
    );
}

#[test]
fn store_fallible_every_option() {
    snapshot(
        "store-fallible",
        quote!(
            store = STORE.clone(),
            queue = "mail",
            on_end = |n: &u32| println!("{n}"),
            on_error = |e: &strand::JoinError<MailError>| eprintln!("{e}"),
        ),
        quote! {
            /// Sends a message.
            pub fn send(to: String, (a, b): (u32, u32)) -> Result<u32, MailError> {
                if to.is_empty() { Err(MailError::NoOne) } else { Ok(a + b) }
            }
        },
    );
}

#[test]
fn store_default_store_no_args() {
    snapshot(
        "store-default",
        quote!(store, name = "jobs::tick"),
        quote! {
            fn tick() -> u64 {
                7
            }
        },
    );
}

#[test]
fn store_io_result_renamed_crate() {
    snapshot(
        "store-projected-renamed-crate",
        quote!(store = MemoryStore::new(), crate = strand1),
        quote! {
            pub(crate) fn read(path: std::path::PathBuf) -> std::io::Result<String> {
                std::fs::read_to_string(path)
            }
        },
    );
}

/// After an error in the signature (or without strand-au), a `store` task
/// is rewritten as a `sync` one, so its call sites still type-check.
#[test]
fn store_errors_fall_back_to_sync() {
    snapshot(
        "store-borrowed-argument",
        quote!(store),
        quote! {
            fn count(text: &str) -> usize {
                text.len()
            }
        },
    );
    crate::hygiene::NO_STRAND_AU.with(|no| no.set(true));
    let out = super::expand(
        quote!(store),
        quote! {
            fn double(x: u32) -> u32 {
                x * 2
            }
        },
    );
    crate::hygiene::NO_STRAND_AU.with(|no| no.set(false));
    let out = out.to_string();
    assert!(
        out.contains("the `store` target needs the strand-au crate, which holds the stores and their workers: add `strand-au` to [dependencies]"),
        "{out}"
    );
    assert!(
        out.contains("SyncTaskrunner") && !out.contains("strand_au"),
        "{out}"
    );
}

#[test]
fn store_refuses_async_unsafe_generic() {
    let cases = [
        (
            quote!(
                async fn f(x: u32) -> u32 {
                    x
                }
            ),
            "the `store` target cannot run an `async fn`: a worker process takes the task from the store and runs its body on one of its threads; remove `async` (the body may block on a future with a runtime of its own)",
        ),
        (
            quote!(
                unsafe fn f(x: u32) -> u32 {
                    x
                }
            ),
            "the `store` target cannot run an `unsafe fn`: it registers the function by name, and safe code can run it by that name with any argument values; make the function safe, with an `unsafe` block inside whose conditions it checks itself",
        ),
        (
            quote!(
                fn f<T>(x: T) -> u32 {
                    1
                }
            ),
            "`store` tasks cannot be generic: a worker finds the function by its name and decodes its arguments from the store, so a generic function has no single instance to run; give it concrete types (it may call a generic function)",
        ),
        (
            quote!(
                fn f(x: impl Into<String>) -> u32 {
                    1
                }
            ),
            "`store` tasks take concrete argument types: `impl Into<String>` cannot be decoded by the worker that runs the task; name the type",
        ),
        (
            quote!(
                fn f(x: u32) -> impl Iterator<Item = u32> {
                    0..x
                }
            ),
            "`store` tasks return a concrete type: `impl Iterator<Item = u32>` cannot be stored and decoded by the handle; name the type (`Vec<T>` instead of `impl Iterator<Item = T>`)",
        ),
        (
            quote!(
                fn f(&self) -> u32 {
                    1
                }
            ),
            "methods with a `self` receiver are not supported; make it an associated function taking the value as an argument, or call a free function",
        ),
    ];
    for (item, expected) in cases {
        let out = super::expand(quote!(store), item).to_string();
        assert!(out.contains(expected), "expected {expected:?} in {out}");
        assert!(!out.contains("__STRAND_STORE_TASK"), "{out}");
    }
}
