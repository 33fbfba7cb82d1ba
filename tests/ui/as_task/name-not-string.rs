use strand::as_task;

mod not_a_literal {
    const NAME: &str = "work";

    #[strand::as_task(thread, name = NAME)]
    pub fn work(x: u32) -> u32 {
        x
    }
}

#[as_task(thread, name = "")]
fn empty(x: u32) -> u32 {
    x
}

fn main() {
    let _ = not_a_literal::work(1).join();
    let _ = empty(1).join();
}
