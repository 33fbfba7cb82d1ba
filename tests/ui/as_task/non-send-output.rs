use std::rc::Rc;

use strand::as_task;

#[as_task(pool)]
fn make(x: u32) -> Rc<u32> {
    Rc::new(x)
}

fn main() {
    let _ = make(1).join();
}
