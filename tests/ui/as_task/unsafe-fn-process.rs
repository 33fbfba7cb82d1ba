// A `process` task is registered by name, and safe code can run it with any
// argument values: one error at `unsafe`, and the item unchanged.
#[strand::as_task(process)]
unsafe fn read(address: usize) -> u32 { // error: at `unsafe`
    unsafe { *(address as *const u32) }
}

fn main() {
    let x = 7u32;
    let _: u32 = unsafe { read(&x as *const u32 as usize) };
}
