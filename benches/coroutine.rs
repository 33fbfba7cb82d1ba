//! `#[as_task(coroutine)]` against `tokio::spawn` on the same runtime, in
//! the same run:
//!
//! - `spawn_await`: one task spawned and awaited at a time, inside a
//!   multi-threaded runtime.
//! - `batch`: 1,000 tasks spawned, then all awaited.
//!
//! Run with `cargo bench -p strand-benches --bench coroutine`.

use std::hint::black_box;
use std::sync::LazyLock;

use strand::as_task;
use tokio::runtime::Runtime;

const BATCH: u64 = 1_000;

static RT: LazyLock<Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
});

fn main() {
    LazyLock::force(&RT);
    divan::main();
}

#[as_task(coroutine)]
async fn strand_task(x: u64) -> u64 {
    x.wrapping_mul(3)
}

async fn plain(x: u64) -> u64 {
    x.wrapping_mul(3)
}

mod spawn_await {
    use super::*;

    #[divan::bench(sample_count = 50, sample_size = 200)]
    fn tokio_spawn() -> u64 {
        RT.block_on(async { tokio::spawn(plain(black_box(7))).await.unwrap() })
    }

    #[divan::bench(sample_count = 50, sample_size = 200)]
    fn as_task_coroutine() -> u64 {
        RT.block_on(async { strand_task(black_box(7)).await.unwrap() })
    }
}

mod batch {
    use super::*;
    use divan::counter::ItemsCount;

    #[divan::bench(sample_count = 200)]
    fn tokio_spawn(bencher: divan::Bencher<'_, '_>) {
        bencher.counter(ItemsCount::new(BATCH)).bench(|| {
            RT.block_on(async {
                let handles: Vec<_> = (0..BATCH).map(|i| tokio::spawn(plain(i))).collect();
                let mut sum = 0u64;
                for h in handles {
                    sum = sum.wrapping_add(h.await.unwrap());
                }
                sum
            })
        });
    }

    #[divan::bench(sample_count = 200)]
    fn as_task_coroutine(bencher: divan::Bencher<'_, '_>) {
        bencher.counter(ItemsCount::new(BATCH)).bench(|| {
            RT.block_on(async {
                let handles: Vec<_> = (0..BATCH).map(strand_task).collect();
                let mut sum = 0u64;
                for h in handles {
                    sum = sum.wrapping_add(h.await.unwrap());
                }
                sum
            })
        });
    }
}
