//! Expansion snapshots: `prettyplease` renderings of the rewrite, compared
//! with `tests/expand/async_compute/<case>.expanded.rs`. Refresh them with
//! `STRAND_BLESS=1 cargo test -p strand-macros`.

use proc_macro2::TokenStream;
use quote::quote;

fn snapshot(case: &str, args: TokenStream, item: TokenStream) {
    crate::snapshot::check("async_compute", case, super::expand(args, item));
}

#[test]
fn defaults() {
    snapshot(
        "defaults",
        quote!(),
        quote! {
            /// Adds up a range.
            pub fn sum_to(n: u64) -> u64 {
                (1..=n).sum()
            }
        },
    );
}

#[test]
fn every_option() {
    snapshot(
        "every-option",
        quote!(
            store = MemoryStore::new(),
            ttl = 60,
            backend = pool,
            middleware = [LoggingMiddleware::new(), METRICS.clone()],
            name = "jobs::resize",
        ),
        quote! {
            fn resize(path: String, (w, h): (u32, u32)) -> Result<Vec<u8>, String> {
                Ok(vec![])
            }
        },
    );
}

#[test]
fn io_result_binary() {
    snapshot(
        "io-result-binary",
        quote!(
            serialization = binary,
            ttl = Duration::from_secs(5),
            backend = my_backend()
        ),
        quote! {
            pub(crate) fn read(path: std::path::PathBuf) -> std::io::Result<String> {
                std::fs::read_to_string(path)
            }
        },
    );
}

#[test]
fn renamed_crate_no_args() {
    snapshot(
        "renamed-crate",
        quote!(crate = au, fallible = false),
        quote! {
            fn tick() -> Result<(), ()> {
                Ok(())
            }
        },
    );
}

#[test]
fn bad_args_still_expand() {
    snapshot(
        "bad-args-still-expand",
        quote!(tll = 5, backend = thread),
        quote! {
            fn f(x: u32) -> u32 {
                x
            }
        },
    );
}

#[test]
fn unsupported_signature_stub() {
    snapshot(
        "unsupported-signature-stub",
        quote!(),
        quote! {
            const fn f(text: &str) -> usize {
                text.len()
            }
        },
    );
}

#[test]
fn unsafe_fn_refused_without_registering() {
    // On every backend: one error, then a stub that keeps `unsafe` (so call
    // sites stay quiet) and neither runs the body nor registers anything.
    for args in [
        quote!(),
        quote!(backend = thread),
        quote!(backend = pool),
        quote!(backend = process),
        quote!(backend = process_pool(2)),
        quote!(backend = my_backend(), store = MemoryStore::new()),
    ] {
        let out = super::expand(
            args,
            quote! {
                unsafe fn read(p: usize) -> usize {
                    p
                }
            },
        )
        .to_string();
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(
            out.contains("`#[async_compute]` cannot apply to an `unsafe fn`"),
            "{out}"
        );
        assert!(out.contains("unsafe fn read"), "{out}");
        for generated in [
            "ProcessEntry",
            "RunnerFn",
            "distributed_slice",
            "__strand_body",
        ] {
            assert!(!out.contains(generated), "{generated} in {out}");
        }
    }
}

#[test]
fn queue_backend() {
    snapshot(
        "queue-backend",
        quote!(store = STORE.clone(), backend = queue("mail")),
        quote! {
            /// Resizes.
            pub fn resize(width: u32) -> u32 {
                width / 2
            }
        },
    );
    let out = super::expand(
        quote!(backend = queue),
        quote! {
            fn f(x: u32) -> u32 { x }
        },
    )
    .to_string();
    assert!(out.contains(". queue (\"default\")"), "{out}");
    assert!(!out.contains(". backend ("), "{out}");
}
