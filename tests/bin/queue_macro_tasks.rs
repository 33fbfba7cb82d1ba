//! Tasks declared with `#[as_task(store)]`, included by the worker binary
//! `queue_worker` (whose registry then holds them, so it runs them) and by
//! `queue_processes.rs` (which calls them, writing tasks).

// The worker never calls them, and the tests use only some of them.
#![allow(dead_code)]

use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use strand_au::ComputationStore;

/// The store the tasks are written into: set once, before the first call.
pub static STORE: OnceLock<Arc<dyn ComputationStore>> = OnceLock::new();

fn store() -> Arc<dyn ComputationStore> {
    STORE
        .get()
        .expect("set STORE before the first call")
        .clone()
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    pub w: u32,
    pub h: u32,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub enum AreaError {
    Empty(Rect),
}

impl fmt::Display for AreaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AreaError::Empty(r) => write!(f, "a {}x{} rectangle has no area", r.w, r.h),
        }
    }
}

/// The area of `rect`, with the id of the process that computed it.
#[strand::as_task(store = store(), queue = "shapes", name = "queue_test::area")]
pub fn area(rect: Rect) -> Result<(u64, u32), AreaError> {
    if rect.w == 0 || rect.h == 0 {
        return Err(AreaError::Empty(rect));
    }
    Ok((u64::from(rect.w) * u64::from(rect.h), std::process::id()))
}
