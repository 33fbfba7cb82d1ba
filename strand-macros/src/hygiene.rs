//! Paths and identifiers of generated code: everything the expansion names
//! goes through the strand crate path (`::strand` unless `crate = path`), and
//! generated locals resolve at the macro's mixed site so user code cannot see
//! or shadow them.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};
use syn::ext::IdentExt as _;

/// The path of the strand crate in the user's crate.
pub(crate) struct CratePath {
    path: TokenStream,
    doc: String,
}

impl CratePath {
    /// `::strand`, or the path given with `crate = path`.
    pub(crate) fn new(path: Option<&syn::Path>) -> Self {
        Self::or_default(path, "strand")
    }

    /// `::<default>` (`::strand_au` for `#[async_compute]`), or the path
    /// given with `crate = path`.
    pub(crate) fn or_default(path: Option<&syn::Path>, default: &str) -> Self {
        match path {
            None => {
                let name = Ident::new(default, Span::call_site());
                CratePath {
                    path: quote!(::#name),
                    doc: format!("::{default}"),
                }
            }
            Some(path) => {
                let mut doc = String::new();
                if path.leading_colon.is_some() {
                    doc.push_str("::");
                }
                let segments: Vec<String> =
                    path.segments.iter().map(|s| s.ident.to_string()).collect();
                doc.push_str(&segments.join("::"));
                CratePath {
                    path: path.to_token_stream(),
                    doc,
                }
            }
        }
    }

    /// `<crate>::__private`, the only module generated code calls into.
    pub(crate) fn private(&self) -> TokenStream {
        let path = &self.path;
        quote!(#path::__private)
    }

    /// `<crate>::<item>` as a path for generated types such as `TaskHandle`.
    pub(crate) fn item(&self, item: &str) -> TokenStream {
        let path = &self.path;
        let item = Ident::new(item, Span::call_site());
        quote!(#path::#item)
    }

    /// `<crate>::<item>` as text, for intra-doc links in generated docs
    /// (without a leading `::`, which intra-doc links do not take).
    pub(crate) fn doc_path(&self, item: &str) -> String {
        format!("{}::{item}", self.doc.trim_start_matches("::"))
    }
}

/// An identifier for a generated local (`__strand_runner`, `__arg0`): it
/// resolves at the macro's mixed site, so the user's body cannot name it.
pub(crate) fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The hidden copy of the user's function: `__strand_body_<name>`, spanned at
/// the user's name so that rustc's messages about it point there.
pub(crate) fn body_ident(name: &Ident) -> Ident {
    format_ident!("__strand_body_{}", name.unraw())
}

/// The function's name as written, without `r#`.
pub(crate) fn plain_name(ident: &Ident) -> String {
    ident.unraw().to_string()
}

/// `tokens` with every token moved to `span` (location and name resolution
/// of user code), so that rustc underlines `span` for anything they cause and
/// can merge that error with a check spanned the same way.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// The span of the first token of `tokens` (stable proc macros cannot join
/// spans, so this is where a one-token check on them is underlined).
pub(crate) fn first_span(tokens: impl ToTokens, fallback: Span) -> Span {
    tokens
        .into_token_stream()
        .into_iter()
        .next()
        .map_or(fallback, |t| match t {
            TokenTree::Group(g) => g.span_open(),
            other => other.span(),
        })
}

/// `#[doc = " line"]` attributes for generated documentation, one per line,
/// with the leading space a `///` comment would have (none on empty lines).
pub(crate) fn doc_attrs(lines: &[String]) -> TokenStream {
    let attrs = lines.iter().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#attrs)*)
}

/// The path of the strand-au crate in the user's crate, as its Cargo.toml
/// names it (a renamed dependency too): `None` when the crate being built
/// has no strand-au dependency (then `#[as_task(store)]` says to add one).
///
/// strand-au itself (its doctests and tests, which are crates of their
/// own) gets `::strand_au`; so does a build whose manifest cannot be read
/// (rustc without cargo): rustc then reports a missing crate itself.
pub(crate) fn strand_au_path() -> Option<TokenStream> {
    #[cfg(test)]
    if NO_STRAND_AU.with(std::cell::Cell::get) {
        return None;
    }
    match proc_macro_crate::crate_name("strand-au") {
        Ok(proc_macro_crate::FoundCrate::Name(name)) => {
            let name = Ident::new(&name, Span::call_site());
            Some(quote!(::#name))
        }
        Err(proc_macro_crate::Error::CrateNotFound { .. }) => None,
        Ok(proc_macro_crate::FoundCrate::Itself) | Err(_) => Some(quote!(::strand_au)),
    }
}

#[cfg(test)]
thread_local! {
    /// Set by unit tests: expand as for a crate without strand-au.
    pub(crate) static NO_STRAND_AU: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
