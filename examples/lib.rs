//! Runnable examples of strand: see the `[[example]]` targets of this package and `examples/README.md`.

pub mod web;
