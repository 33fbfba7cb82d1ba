use strand::as_task;

// The macro cannot see through the alias, so the compiler checks it through
// `strand::Fallible`, with strand's message at the return type.
type Count = u32;

#[as_task(thread, fallible = true)]
fn work(x: u32) -> Count {
    x
}

fn main() {}
