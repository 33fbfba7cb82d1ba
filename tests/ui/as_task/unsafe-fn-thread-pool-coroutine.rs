// The call returns before the body has finished, so the caller's `unsafe`
// block cannot cover it: one error at `unsafe` per function, and the item
// unchanged (its call sites still compile).
mod thread {
    #[strand::as_task(thread)]
    pub unsafe fn read(p: *const u32) -> u32 { // error: at `unsafe`
        unsafe { *p }
    }
}

mod default_target {
    #[strand::as_task]
    pub unsafe fn read(p: *const u32) -> u32 { // error: the default target is `thread`
        unsafe { *p }
    }
}

mod pool {
    #[strand::as_task(pool)]
    pub unsafe fn read(p: *const u32) -> u32 { // error: at `unsafe`
        unsafe { *p }
    }
}

mod coroutine {
    #[strand::as_task(coroutine)]
    pub unsafe fn read(p: *const u32) -> u32 { // error: at `unsafe`
        unsafe { *p }
    }

    #[strand::as_task(coroutine)]
    pub async unsafe fn read_async(p: *const u32) -> u32 { // error: no `sync` hint, it cannot run an `async fn`
        unsafe { *p }
    }
}

fn main() {
    let x = 7;
    let _: u32 = unsafe { thread::read(&x) };
    let _: u32 = unsafe { default_target::read(&x) };
    let _: u32 = unsafe { pool::read(&x) };
    let _: u32 = unsafe { coroutine::read(&x) };
    let _ = unsafe { coroutine::read_async(&x) };
}
