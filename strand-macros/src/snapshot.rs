//! The expansion-snapshot check shared by the macros' unit tests: the
//! `prettyplease` rendering of a rewrite, compared with
//! `tests/expand/<macro>/<case>.expanded.rs`. Refresh the files with
//! `STRAND_BLESS=1 cargo test -p strand-macros`.
//!
//! The input of strand's `__require_process_feature! { ... }`, which wraps
//! the launch of a `process` task, is shown formatted as the statements it
//! is (prettyplease prints a macro's input as a run of tokens).

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::parse::Parser as _;
use syn::visit_mut::VisitMut;

/// Renders `out` and compares it with (or, under `STRAND_BLESS=1`, writes it
/// to) the snapshot of `case` for `macro_name`.
pub(crate) fn check(macro_name: &str, case: &str, out: TokenStream) {
    let file = syn::parse2::<syn::File>(out.clone())
        .unwrap_or_else(|e| panic!("expansion does not parse as a file: {e}\n{out}"));
    let actual = render(file);
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

/// Macros whose input is statements, shown formatted.
const STATEMENT_MACROS: &[&str] = &["__require_process_feature"];

/// prettyplease's rendering of `file`, the input of each of
/// `STATEMENT_MACROS` formatted as statements.
fn render(mut file: syn::File) -> String {
    let mut found = Found(Vec::new());
    found.visit_file_mut(&mut file);
    let mut text = prettyplease::unparse(&file);
    for (i, inner) in found.0.iter().enumerate() {
        // prettyplease prints the placeholder on a line of its own, indented
        // as the statements it stands for.
        let placeholder = format!("__strand_snapshot_{i}");
        let line = text
            .lines()
            .find(|line| line.trim_start() == placeholder)
            .unwrap_or_else(|| panic!("{placeholder} not on a line of its own:\n{text}"))
            .to_owned();
        let indent = &line[..line.len() - placeholder.len()];
        let stmts: Vec<String> = inner
            .lines()
            .map(|l| match l.strip_prefix("    ") {
                Some(l) => format!("{indent}{l}"),
                None => String::new(),
            })
            .collect();
        text = text.replacen(&line, &stmts.join("\n"), 1);
    }
    text
}

/// Replaces the input of each of `STATEMENT_MACROS` with a placeholder
/// ident, and keeps its statements rendered as the body of a function,
/// without the function's first and last lines.
struct Found(Vec<String>);

impl VisitMut for Found {
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        let wraps = mac
            .path
            .segments
            .last()
            .is_some_and(|s| STATEMENT_MACROS.iter().any(|name| s.ident == name));
        if wraps && !mac.tokens.is_empty() {
            let stmts = syn::Block::parse_within
                .parse2(mac.tokens.clone())
                .unwrap_or_else(|e| panic!("input of a statement macro: {e}\n{}", mac.tokens));
            let function: syn::File = syn::parse_quote!(fn f() { #(#stmts)* });
            let rendered = prettyplease::unparse(&function);
            let lines: Vec<&str> = rendered.lines().collect();
            self.0.push(lines[1..lines.len() - 1].join("\n"));
            let placeholder = format_ident!("__strand_snapshot_{}", self.0.len() - 1);
            mac.tokens = quote!(#placeholder);
        }
        syn::visit_mut::visit_macro_mut(self, mac);
    }
}
