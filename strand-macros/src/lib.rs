//! Procedural macros of strand. Use them through the `strand` crate.
use proc_macro::TokenStream;

/// Placeholder until the macro lands.
#[proc_macro_attribute]
pub fn as_task(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
