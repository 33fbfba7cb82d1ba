use std::rc::Rc;

use strand::as_task;

#[as_task(process)]
fn read(value: Rc<u32>) -> u32 {
    *value
}

fn main() {
    let _ = read(Rc::new(1)).join();
}
