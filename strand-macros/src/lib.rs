//! Procedural macros of strand. Use them through the `strand` crate.
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]

mod as_task;
mod error;
mod hygiene;
mod item;

use proc_macro::TokenStream;

/// Runs a function as a task.
#[proc_macro_attribute]
pub fn as_task(args: TokenStream, item: TokenStream) -> TokenStream {
    as_task::expand(args.into(), item.into()).into()
}
