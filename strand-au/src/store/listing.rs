//! A store's records a page at a time, newest first:
//! [`ComputationStore::list_newest`](super::ComputationStore::list_newest).

use crate::key::Key;
use crate::record::Record;

/// Where a listing goes on: just past the last record of a page. Opaque;
/// pass it back to [`list_newest`](super::ComputationStore::list_newest)
/// for the next page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageCursor {
    pub(crate) created_at: u64,
    pub(crate) key: Key,
}

impl PageCursor {
    /// The cursor just past a record created at `created_at` under `key`.
    pub(crate) fn after(created_at: u64, key: &Key) -> PageCursor {
        PageCursor {
            created_at,
            key: key.clone(),
        }
    }

    /// Whether a record created at `created_at` under `key` comes after
    /// this cursor in newest-first order: created earlier, or at the same
    /// time under a smaller key.
    pub(crate) fn precedes(&self, created_at: u64, key: &Key) -> bool {
        (created_at, key) < (self.created_at, &self.key)
    }
}

/// One page of a store's records, newest first (by creation time, then
/// key).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordPage {
    /// The records of the page with their keys.
    pub records: Vec<(Key, Record)>,
    /// Where the next page starts; `None` after the last.
    pub next: Option<PageCursor>,
}

impl RecordPage {
    /// The page of `records` (newest first, at least `limit + 1` of them
    /// when more follow): the first `limit`, and the cursor past the last
    /// of them when there were more.
    pub(crate) fn cut(mut records: Vec<(Key, Record)>, limit: usize) -> RecordPage {
        let more = records.len() > limit;
        records.truncate(limit);
        let next = more
            .then(|| {
                records
                    .last()
                    .map(|(k, r)| PageCursor::after(r.created_at, k))
            })
            .flatten();
        RecordPage { records, next }
    }
}
