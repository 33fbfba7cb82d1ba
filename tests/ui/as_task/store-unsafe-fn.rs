// A `store` task is registered by name, and safe code can run it with any
// argument values: one error at `unsafe`, and the item unchanged.
#[strand::as_task(store)]
unsafe fn read(address: usize) -> u32 { // error: at `unsafe`
    unsafe { *(address as *const u32) }
}

fn main() {}
