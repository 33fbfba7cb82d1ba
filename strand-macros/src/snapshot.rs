//! The expansion-snapshot check shared by the macros' unit tests: the
//! `prettyplease` rendering of a rewrite, compared with
//! `tests/expand/<macro>/<case>.expanded.rs`. Refresh the files with
//! `STRAND_BLESS=1 cargo test -p strand-macros`.

use std::path::PathBuf;

use proc_macro2::TokenStream;

/// Renders `out` and compares it with (or, under `STRAND_BLESS=1`, writes it
/// to) the snapshot of `case` for `macro_name`.
pub(crate) fn check(macro_name: &str, case: &str, out: TokenStream) {
    let file = syn::parse2::<syn::File>(out.clone())
        .unwrap_or_else(|e| panic!("expansion does not parse as a file: {e}\n{out}"));
    let actual = prettyplease::unparse(&file);
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "expand",
        macro_name,
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
