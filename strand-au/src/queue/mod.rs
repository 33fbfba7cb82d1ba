//! The store as a queue: [`StoreTaskWriter`] writes tasks into a store's
//! queue, [`StoreTaskReader`] workers in any process claim and run them.
//! See "The store is the queue" in the crate docs.

pub(crate) mod completions;
pub(crate) mod reader;
mod runners;
pub(crate) mod writer;

pub use reader::{ReaderGuard, ReaderStats, StoreTaskReader};
pub use writer::StoreTaskWriter;
