//! Expansion snapshots: `prettyplease` renderings of the rewrite, compared
//! with `tests/expand/async_compute/<case>.expanded.rs`. Refresh them with
//! `STRAND_BLESS=1 cargo test -p strand-macros`.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

fn render(args: TokenStream, item: TokenStream) -> String {
    let out = super::expand(args, item);
    let file = syn::parse2::<syn::File>(out.clone())
        .unwrap_or_else(|e| panic!("expansion does not parse as a file: {e}\n{out}"));
    prettyplease::unparse(&file)
}

fn snapshot(case: &str, args: TokenStream, item: TokenStream) {
    let actual = render(args, item);
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "expand",
        "async_compute",
        &format!("{case}.expanded.rs"),
    ]
    .iter()
    .collect();
    if std::env::var_os("STRAND_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with STRAND_BLESS=1 to create it",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "expansion of `{case}` changed; run with STRAND_BLESS=1 to accept it\n--- expected\n{expected}\n--- actual\n{actual}"
    );
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
            async fn f(text: &str) -> usize {
                text.len()
            }
        },
    );
}
