//! Runnable examples of strand: see the `[[example]]` targets of this package and `examples/README.md`.

pub mod custom_store;
pub mod web;
