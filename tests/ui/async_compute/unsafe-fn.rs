// A computation is registered by name, and safe code can run it with any
// argument values, whatever the backend: one error at `unsafe`, and a stub
// with the rewritten signature, so call sites report nothing of their own.
mod default_backend {
    #[strand_au::async_compute]
    pub unsafe fn read(address: usize) -> u32 { // error: at `unsafe`
        unsafe { *(address as *const u32) }
    }
}

mod process_pool {
    #[strand_au::async_compute(backend = process_pool(2))]
    pub unsafe fn read(address: usize) -> u32 { // error: at `unsafe`
        unsafe { *(address as *const u32) }
    }
}

fn main() {
    let _: u32 = unsafe { default_backend::read(0) }.join().unwrap();
    let _: u32 = unsafe { process_pool::read(0) }.join().unwrap();
}
